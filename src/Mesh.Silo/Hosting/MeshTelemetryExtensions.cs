using System.Diagnostics;
using System.Reflection;
using Mesh.Grains.Diagnostics;
using Mesh.Silo.Api.Endpoints;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.Silo.Hosting;

/// <summary>Exports the silo's metrics and traces over OTLP (docs/OBSERVABILITY.md).</summary>
public static class MeshTelemetryExtensions
{
    /// <summary>The <c>service.name</c> of every silo, unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "mesh-silo";

    // Orleans' runtime meter, .NET's runtime meter (GC, thread pool, exceptions), Npgsql's (cluster mode's database).
    private static readonly string[] Meters = [MeshTelemetry.Name, "Microsoft.Orleans", "System.Runtime", "Npgsql"];

    // The HTTP runtime surface: decisions and outcomes, at fleet rate.
    private static readonly HashSet<string> RuntimePaths = new(StringComparer.OrdinalIgnoreCase) { "/v1/decide", "/v1/outcomes" };

    /// <summary>
    /// When an OTLP endpoint is configured (<c>Mesh:Telemetry:OtlpEndpoint</c> or <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>),
    /// exports metrics (Mesh, Orleans, ASP.NET Core, .NET runtime) and traces (Mesh, ASP.NET Core; health probes
    /// left out) to it. Without an endpoint it registers nothing: no listener, so Mesh's instruments cost a flag check.
    /// </summary>
    /// <exception cref="MeshStartupException">The <c>Mesh:Telemetry</c> settings are unusable.</exception>
    public static WebApplicationBuilder AddMeshTelemetry(this WebApplicationBuilder builder, MeshSiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        var settings = builder.Configuration.GetSection(MeshTelemetrySettings.Section).Get<MeshTelemetrySettings>() ?? new MeshTelemetrySettings();
        var problems = settings.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new MeshStartupException("Mesh cannot start: " + string.Join(" ", problems));
        }

        // Mesh's own settings become the standard keys: the exporter then reads one set of keys, environment or not.
        var standard = new Dictionary<string, string?>();
        if (settings.OtlpEndpoint is { Length: > 0 } endpoint)
        {
            standard[MeshTelemetrySettings.StandardEndpointKey] = endpoint;
        }

        if (settings.OtlpProtocol is { Length: > 0 } protocol)
        {
            standard[MeshTelemetrySettings.StandardProtocolKey] = protocol;
        }

        if (standard.Count > 0)
        {
            builder.Configuration.AddInMemoryCollection(standard);
        }

        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration[MeshTelemetrySettings.StandardEndpointKey]);
        if (!exporting || (!settings.Metrics && !settings.Traces))
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => Describe(resource, builder.Configuration, options));
        if (settings.Metrics)
        {
            telemetry.WithMetrics(metrics => metrics
                .AddMeter(Meters)
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        }

        if (settings.Traces)
        {
            var sampler = new MeshTelemetrySampler(settings.DecisionSampleRatio);
            var samplerChosen = !string.IsNullOrWhiteSpace(builder.Configuration[MeshTelemetrySettings.StandardSamplerKey]);
            telemetry.WithTracing(tracing =>
            {
                tracing
                    .AddSource(MeshTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => IsTraced(context, sampler))
                    .AddOtlpExporter();
                if (!samplerChosen)
                {
                    tracing.SetSampler(new ParentBasedSampler(sampler));
                }
            });
        }

        return builder;
    }

    private static void Describe(ResourceBuilder resource, IConfiguration configuration, MeshSiloOptions options)
    {
        var version = typeof(MeshTelemetryExtensions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        resource
            .AddService(
                configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } name ? name : ServiceName,
                serviceNamespace: options.ServiceId,
                serviceVersion: version,
                autoGenerateServiceInstanceId: false)
            .AddAttributes(
            [
                new("mesh.mode", options.IsCluster ? "cluster" : "embedded"),
                new("mesh.cluster_id", options.ClusterId),
            ])
            // The silo's address is known once its services exist: it names the silo in receipts and Orleans' logs too.
            .AddDetector(services => new SiloResourceDetector(services.GetRequiredService<ILocalSiloDetails>()));
    }

    // Probes are left out (every few seconds, from every kubelet); the HTTP runtime endpoints come at fleet rate, so
    // they keep the decision sampling share unless the caller's own trace decided.
    private static bool IsTraced(HttpContext context, MeshTelemetrySampler sampler)
    {
        var path = context.Request.Path;
        if (HealthEndpoints.IsProbe(path))
        {
            return false;
        }

        if (RuntimePaths.Contains(path.Value ?? string.Empty) && Activity.Current is { HasRemoteParent: false } activity)
        {
            return sampler.SamplesDecision(activity.TraceId);
        }

        return true;
    }

    private sealed class SiloResourceDetector(ILocalSiloDetails silo) : IResourceDetector
    {
        public Resource Detect() => new(
        [
            new("service.instance.id", silo.SiloAddress.ToString()),
            new("mesh.silo.name", silo.Name),
        ]);
    }
}
