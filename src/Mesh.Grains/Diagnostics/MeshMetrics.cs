using System.Collections.Immutable;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Fleet;
using Mesh.Grains.ControlPlane;
using TagList = System.Diagnostics.TagList;

namespace Mesh.Grains.Diagnostics;

/// <summary>
/// This silo's Mesh instruments (one per silo: the meter comes from the silo's <see cref="IMeterFactory"/>, so two
/// silos in one process, as in tests, report apart). Names and meaning: <see cref="MeshTelemetry"/> and
/// docs/OBSERVABILITY.md.
/// </summary>
/// <remarks>
/// The decision path calls into this on every decision, so recording is written for it: tag values are cached
/// strings in a <see cref="TagList"/> (a struct), nothing is formatted, and with no listener attached it reads two
/// flags and allocates nothing.
/// </remarks>
public sealed class MeshMetrics
{
    // Seconds. Decisions take microseconds in memory; the upper buckets catch the waits (view load, name resolution,
    // a parent agent, an approval grain).
    private static readonly IReadOnlyList<double> DecisionBuckets =
        [0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    // Seconds. A change acknowledged by every silo takes milliseconds; one waiting out a silo's lease takes seconds.
    private static readonly IReadOnlyList<double> PropagationBuckets =
        [0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    // Records per group commit: 1 when idle, hundreds under load.
    private static readonly IReadOnlyList<double> BatchBuckets = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];

    private const string Unknown = "unknown";

    private readonly Counter<long> _decisions;
    private readonly Histogram<double> _decisionDuration;
    private readonly Histogram<double> _propagation;
    private readonly Histogram<long> _auditBatch;
    private readonly Histogram<double> _auditWrite;
    private readonly ControlViewStatus _view;
    private ImmutableArray<Func<long>> _auditQueues = [];

    internal MeshMetrics(IMeterFactory meters, ControlViewStatus view)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _view = view;
        Meter = meters.Create(new MeterOptions(MeshTelemetry.Name));
        _decisions = Meter.CreateCounter<long>(MeshTelemetry.Decisions, "{decision}", "Decisions made, by effect and reason code.");
        _decisionDuration = Meter.CreateHistogram(
            MeshTelemetry.DecisionDuration,
            "s",
            "Time a decision took inside the agent grain, from the call's entry to its answer.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DecisionBuckets });
        _propagation = Meter.CreateHistogram(
            MeshTelemetry.ControlPropagation,
            "s",
            "Time a fleet-wide change took from the start of its durable commit until every live silo applied it (or its lease ran out).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = PropagationBuckets });
        Meter.CreateObservableGauge(MeshTelemetry.ControlViewEpoch, () => _view.Epoch, "{epoch}", "Control-plane epoch up to which this silo's view has applied every change.");
        Meter.CreateObservableGauge(MeshTelemetry.ControlViewStale, () => _view.IsCurrent ? 0 : 1, "{silo}", "1 while this silo's control-plane view is not loaded or its lease ran out (it denies), else 0.");
        Meter.CreateObservableGauge(MeshTelemetry.ControlViewAge, ObserveViewAge, "s", "Time since this silo last confirmed its control-plane view.");
        Meter.CreateObservableGauge(MeshTelemetry.AuditQueueDepth, ObserveAuditQueues, "{record}", "Audit records accepted but not yet durable.");
        _auditBatch = Meter.CreateHistogram(MeshTelemetry.AuditBatchSize, "{record}", "Records per audit write (one group commit).",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. BatchBuckets.Select(b => (long)b)] });
        _auditWrite = Meter.CreateHistogram(MeshTelemetry.AuditWriteDuration, "s", "Time one audit write (group commit) took, by outcome (ok, failed).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DecisionBuckets });
    }

    /// <summary>The silo's <c>Mesh</c> meter.</summary>
    public Meter Meter { get; }

    /// <summary>
    /// Reports an audit queue's depth in <c>mesh.audit.queue.depth</c> (the sum over every registered queue; 0 while
    /// none is registered). <paramref name="depth"/> is called on the metrics collector's thread at each collection:
    /// it must be cheap, thread-safe and must not throw. Dispose the result to stop reporting the queue.
    /// </summary>
    public IDisposable ObserveAuditQueueDepth(Func<long> depth)
    {
        ArgumentNullException.ThrowIfNull(depth);
        ImmutableInterlocked.Update(ref _auditQueues, static (queues, added) => queues.Add(added), depth);
        return new AuditQueueRegistration(this, depth);
    }

    /// <summary>Records one audit write: how many records, how long, whether it committed.</summary>
    public void RecordAuditWrite(int records, TimeSpan elapsed, bool committed)
    {
        var outcome = new KeyValuePair<string, object?>("outcome", committed ? "ok" : "failed");
        _auditBatch.Record(records, outcome);
        _auditWrite.Record(elapsed.TotalSeconds, outcome);
    }

    /// <summary>Called when a decision starts; the probe goes to <see cref="EndDecision"/> with the answer.</summary>
    internal DecisionProbe StartDecision(ActionRequest? request)
    {
        var started = _decisionDuration.Enabled ? Stopwatch.GetTimestamp() : 0;
        var activity = MeshTelemetry.Source.HasListeners() ? MeshTelemetry.Source.StartActivity(MeshTelemetry.DecideActivity) : null;
        return new DecisionProbe(started, activity, activity is null ? null : request);
    }

    /// <summary>Records a decision's answer: the counter, the duration, and its span's attributes.</summary>
    internal void EndDecision(in DecisionProbe probe, Decision decision)
    {
        var timed = probe.Started != 0 && _decisionDuration.Enabled;
        if (_decisions.Enabled || timed)
        {
            var tags = new TagList
            {
                { "effect", MeshTelemetry.EffectName(decision.Effect) },
                { "reason", decision.Reason.ToWire() },
            };
            _decisions.Add(1, in tags);
            if (timed)
            {
                _decisionDuration.Record(Stopwatch.GetElapsedTime(probe.Started).TotalSeconds, in tags);
            }
        }

        if (probe.Activity is { } activity)
        {
            DescribeDecision(activity, probe.Request, decision);
            activity.Dispose();
        }
    }

    /// <summary>Starts the span of a fleet-wide change (null when nobody listens). The caller disposes it.</summary>
    internal static Activity? StartPublish(ControlChange change)
    {
        if (!MeshTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = MeshTelemetry.Source.StartActivity(MeshTelemetry.PublishActivity);
        if (activity is { IsAllDataRequested: true })
        {
            var kind = KindOf(change);
            activity.SetTag("mesh.change.kind", kind);
            if (kind != Unknown)
            {
                // Which credential, agent or tenant (identifiers, never secrets): "which revoke was slow?" is a span question.
                activity.SetTag("mesh.change.key", change.Key);
            }
        }

        return activity;
    }

    /// <summary>Records how long a fleet-wide change took to reach every silo, and its receipt on its span.</summary>
    internal void EndPublish(Activity? activity, ControlChange committed, FleetReceipt receipt)
    {
        var complete = receipt.Complete;
        if (_propagation.Enabled)
        {
            var tags = new TagList
            {
                { "kind", KindOf(committed) },
                { "complete", MeshTelemetry.Boxed(complete) },
            };
            _propagation.Record(receipt.Elapsed.TotalSeconds, in tags);
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mesh.epoch", receipt.Epoch);
            activity.SetTag("mesh.silos.acknowledged", receipt.SilosAcknowledged);
            activity.SetTag("mesh.silos.live", receipt.SilosLive);
            activity.SetTag("mesh.complete", MeshTelemetry.Boxed(complete));
        }
    }

    /// <summary>Starts a span around an approval call made by a decision (null when nobody listens).</summary>
    internal static Activity? StartApproval(string name, string approvalId)
    {
        if (!MeshTelemetry.Source.HasListeners())
        {
            return null;
        }

        var activity = MeshTelemetry.Source.StartActivity(name);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("mesh.approval.id", approvalId);
        }

        return activity;
    }

    /// <summary>The <c>kind</c> of a change: what part of the fleet-wide record it sets.</summary>
    internal static string KindOf(ControlChange change) =>
        change.Fleet is not null ? "fleet"
        : change.Gate is not null ? "tenant"
        : change.Credential is not null ? "credential"
        : change.Agent is not null ? "agent"
        : Unknown;

    // Never the token, target, arguments, attributes or evidence: a span is read by more people than the audit trail.
    // What the caller sent is described only once it has authenticated and passed validation (bounded sizes).
    private static void DescribeDecision(Activity activity, ActionRequest? request, Decision decision)
    {
        if (!activity.IsAllDataRequested)
        {
            return;
        }

        activity.SetTag("mesh.effect", MeshTelemetry.EffectName(decision.Effect));
        activity.SetTag("mesh.reason", decision.Reason.ToWire());
        if (request is not null && decision.Reason is not (ReasonCode.UnknownAgent or ReasonCode.BadToken or ReasonCode.BadRequest))
        {
            activity.SetTag("mesh.agent", request.AgentId);
            activity.SetTag("mesh.tool", request.Tool);
            activity.SetTag("mesh.operation", request.Operation);
            if (decision.RuleId is { } rule)
            {
                activity.SetTag("mesh.rule", rule);
            }

            activity.SetTag("mesh.policy_version", decision.PolicyVersion);
        }

        if (decision.Reason == ReasonCode.InternalError)
        {
            activity.SetStatus(ActivityStatusCode.Error, "internal_error");
        }
    }

    private IEnumerable<Measurement<double>> ObserveViewAge() =>
        _view.SinceConfirmed is { } age ? [new Measurement<double>(Math.Max(0, age.TotalSeconds))] : [];

    private long ObserveAuditQueues()
    {
        long depth = 0;
        foreach (var queue in _auditQueues)
        {
            depth += queue();
        }

        return depth;
    }

    private sealed class AuditQueueRegistration(MeshMetrics owner, Func<long> depth) : IDisposable
    {
        public void Dispose() => ImmutableInterlocked.Update(ref owner._auditQueues, static (queues, removed) => queues.Remove(removed), depth);
    }
}

/// <summary>What a decision's start left for its end: when it started (0: not timed), and its span if one was started.</summary>
internal readonly struct DecisionProbe(long started, Activity? activity, ActionRequest? request)
{
    public long Started { get; } = started;

    public Activity? Activity { get; } = activity;

    public ActionRequest? Request { get; } = request;
}
