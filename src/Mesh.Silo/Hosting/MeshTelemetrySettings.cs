namespace Mesh.Silo.Hosting;

/// <summary>
/// The <c>Mesh:Telemetry</c> settings: where the silo exports metrics and traces over OTLP (docs/OBSERVABILITY.md).
/// Nothing is exported, and nothing is collected for export, unless an endpoint is set here or in the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable. The other standard <c>OTEL_*</c> variables (headers, timeout,
/// export interval, resource attributes, sampler) apply as the OpenTelemetry SDK defines them.
/// </summary>
public sealed class MeshTelemetrySettings
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Mesh:Telemetry";

    /// <summary>The standard variable (or configuration key) naming the OTLP endpoint.</summary>
    public const string StandardEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The standard variable (or configuration key) naming the OTLP protocol.</summary>
    public const string StandardProtocolKey = "OTEL_EXPORTER_OTLP_PROTOCOL";

    /// <summary>The standard variable (or configuration key) choosing the trace sampler.</summary>
    public const string StandardSamplerKey = "OTEL_TRACES_SAMPLER";

    /// <summary>
    /// The OTLP endpoint, e.g. <c>http://otel-collector:4317</c> (gRPC) or <c>http://otel-collector:4318</c> (with
    /// <see cref="OtlpProtocol"/> <c>http/protobuf</c>; the signal paths <c>/v1/metrics</c> and <c>/v1/traces</c>
    /// are appended). Overrides <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>; unset, that variable decides.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (the default) or <c>http/protobuf</c>. Overrides <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>Export metrics when an endpoint is set (default true).</summary>
    public bool Metrics { get; set; } = true;

    /// <summary>Export traces when an endpoint is set (default true).</summary>
    public bool Traces { get; set; } = true;

    /// <summary>
    /// The share of decisions (<c>mesh.decide</c> spans that start a trace) recorded, from 0 to 1 (default 0.01). A
    /// silo makes up to about 100,000 decisions a second; their counts and latencies are in the metrics whatever this
    /// says. Every other span (operator calls, fleet-wide changes) is recorded, and a span whose parent was sampled
    /// is sampled. Ignored when <c>OTEL_TRACES_SAMPLER</c> chooses the sampler.
    /// </summary>
    public double DecisionSampleRatio { get; set; } = 0.01;

    /// <summary>Returns the problems with these settings, empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (OtlpEndpoint is { Length: > 0 } endpoint
            && (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            yield return $"{Section}:OtlpEndpoint '{endpoint}' is not an http:// or https:// URL.";
        }

        if (OtlpProtocol is { Length: > 0 } protocol && protocol is not ("grpc" or "http/protobuf"))
        {
            yield return $"{Section}:OtlpProtocol '{protocol}' must be grpc or http/protobuf.";
        }

        if (double.IsNaN(DecisionSampleRatio) || DecisionSampleRatio is < 0 or > 1)
        {
            yield return $"{Section}:DecisionSampleRatio {DecisionSampleRatio} must be between 0 and 1.";
        }
    }
}
