using System.Diagnostics;
using Mesh.Contracts.Decisions;

namespace Mesh.Grains.Diagnostics;

/// <summary>
/// The names under which Mesh reports metrics and traces (docs/OBSERVABILITY.md). Hosts subscribe by these names:
/// OpenTelemetry with <c>AddMeter(MeshTelemetry.Name)</c> and <c>AddSource(MeshTelemetry.Name)</c>, tests with a
/// <see cref="System.Diagnostics.Metrics.MeterListener"/> or an <see cref="ActivityListener"/>.
/// </summary>
/// <remarks>
/// Metric attributes are bare (<c>effect</c>, <c>reason</c>, <c>kind</c>, <c>complete</c>): the instrument's name is
/// their namespace. Span attributes share one namespace with HTTP and runtime attributes, so they carry a
/// <c>mesh.</c> prefix. No metric is tagged with a tenant, agent, credential or tool: those are unbounded (a runtime
/// chooses the tool name), and every tag value multiplies the series a backend stores. Per-agent and per-tenant
/// questions are answered by the audit trail and by traces.
/// </remarks>
public static class MeshTelemetry
{
    /// <summary>The name of Mesh's meter and of its activity source.</summary>
    public const string Name = "Mesh";

    /// <summary>Counter: decisions, tagged <c>effect</c> and <c>reason</c>.</summary>
    public const string Decisions = "mesh.decisions";

    /// <summary>Histogram (s): a decision inside the agent grain, from the call's entry to its answer.</summary>
    public const string DecisionDuration = "mesh.decision.duration";

    /// <summary>Histogram (s): a fleet-wide change from the start of its commit until every live silo applied it.</summary>
    public const string ControlPropagation = "mesh.control.propagation";

    /// <summary>Gauge: the control-plane epoch up to which this silo's view has applied every change.</summary>
    public const string ControlViewEpoch = "mesh.control.view.epoch";

    /// <summary>Gauge: 1 while this silo's view is not loaded or its lease ran out (it denies), else 0.</summary>
    public const string ControlViewStale = "mesh.control.view.stale";

    /// <summary>Gauge (s): time since this silo last confirmed its view with the control plane.</summary>
    public const string ControlViewAge = "mesh.control.view.age";

    /// <summary>Gauge: audit records accepted but not yet durable (the sum over the silo's audit writers).</summary>
    public const string AuditQueueDepth = "mesh.audit.queue.depth";

    /// <summary>Histogram: records per audit write (one group commit).</summary>
    public const string AuditBatchSize = "mesh.audit.batch.size";

    /// <summary>Histogram: time one audit write (group commit) took, by outcome.</summary>
    public const string AuditWriteDuration = "mesh.audit.write.duration";

    /// <summary>Span: one decision in the agent grain.</summary>
    public const string DecideActivity = "mesh.decide";

    /// <summary>Span: one fleet-wide change, from commit to the last silo's acknowledgement.</summary>
    public const string PublishActivity = "mesh.control.publish";

    /// <summary>Span: a decision opening an approval.</summary>
    public const string ApprovalOpenActivity = "mesh.approval.open";

    /// <summary>Span: a re-sent request consuming its approval.</summary>
    public const string ApprovalConsumeActivity = "mesh.approval.consume";

    internal static readonly ActivitySource Source = new(Name);

    // Tag values are interned once: recording a decision formats nothing.
    private static readonly string[] EffectNames = BuildEffectNames();
    private static readonly object True = true;
    private static readonly object False = false;

    /// <summary>The wire name of an effect (<c>allow</c>, <c>deny</c>, <c>require_approval</c>), as the API writes it.</summary>
    public static string EffectName(Effect effect)
    {
        var index = (int)effect;
        return (uint)index < (uint)EffectNames.Length ? EffectNames[index] : "unknown";
    }

    internal static object Boxed(bool value) => value ? True : False;

    private static string[] BuildEffectNames()
    {
        var names = new string[3];
        names[(int)Effect.Deny] = "deny";
        names[(int)Effect.Allow] = "allow";
        names[(int)Effect.RequireApproval] = "require_approval";
        return names;
    }
}
