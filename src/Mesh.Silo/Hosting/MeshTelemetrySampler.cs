using System.Diagnostics;
using Mesh.Grains.Diagnostics;
using OpenTelemetry.Trace;

namespace Mesh.Silo.Hosting;

/// <summary>
/// The root sampler behind Mesh's default <c>ParentBased</c> sampler: a decision that starts a trace is recorded
/// with a fixed probability (by trace id, so every silo agrees); any other root span always is. Decisions are the
/// only spans that come at fleet rate; operator calls and fleet-wide changes are rare and each one matters. The HTTP
/// runtime endpoints apply the same share through <see cref="SamplesDecision"/>.
/// </summary>
internal sealed class MeshTelemetrySampler : Sampler
{
    private static readonly SamplingResult Record = new(SamplingDecision.RecordAndSample);
    private readonly TraceIdRatioBasedSampler _decisions;

    public MeshTelemetrySampler(double decisionRatio)
    {
        _decisions = new TraceIdRatioBasedSampler(decisionRatio);
        Description = $"MeshTelemetrySampler{{decisions={decisionRatio}}}";
    }

    /// <summary>Whether a decision in trace <paramref name="traceId"/> is among the share recorded.</summary>
    public bool SamplesDecision(ActivityTraceId traceId) =>
        _decisions.ShouldSample(new SamplingParameters(default, traceId, MeshTelemetry.DecideActivity, ActivityKind.Internal)).Decision == SamplingDecision.RecordAndSample;

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        string.Equals(samplingParameters.Name, MeshTelemetry.DecideActivity, StringComparison.Ordinal)
            ? _decisions.ShouldSample(samplingParameters)
            : Record;
}
