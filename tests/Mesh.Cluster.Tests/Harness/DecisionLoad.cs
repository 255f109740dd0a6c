using System.Collections.Concurrent;
using System.Diagnostics;
using Mesh.Client;
using Mesh.Contracts.Decisions;

namespace Mesh.Cluster.Tests.Harness;

/// <summary>An agent the load drives; its token changes when a test rotates it.</summary>
internal sealed class LoadAgent(string agentId, string token, string credential)
{
    private long _mustDenyFrom = long.MaxValue;

    public string AgentId { get; } = agentId;

    public string Credential { get; } = credential;

    public string Token { get; set; } = token;

    private long _lastAllowedAt;

    /// <summary>Timestamp of the last allow this agent received.</summary>
    public long LastAllowedAt => Interlocked.Read(ref _lastAllowedAt);

    public void WasAllowed() => Interlocked.Exchange(ref _lastAllowedAt, Stopwatch.GetTimestamp());

    /// <summary>Every decision that starts after this moment must be a deny (an operator change was acknowledged).</summary>
    public void MustDenyFromNow() => Interlocked.Exchange(ref _mustDenyFrom, Stopwatch.GetTimestamp());

    public bool MustDenyRequestStartedAt(long timestamp) => timestamp > Interlocked.Read(ref _mustDenyFrom);

    public ActionRequest Request() => new()
    {
        RequestId = Guid.NewGuid().ToString("N"),
        AgentId = AgentId,
        AgentToken = Token,
        Tool = "shell",
        Operation = "exec",
        Target = "build",
        CredentialId = Credential,
    };
}

/// <summary>A decision a worker received: the request it sent, the answer, and when (Stopwatch ticks) the answer came.</summary>
internal sealed record ReceivedDecision(ActionRequest Request, Decision Decision, long ReceivedAt);

/// <summary>
/// Decisions from several concurrent workers against a set of agents, for as long as the test runs. Counts what
/// comes back and records every violation: an allow for a request that started after an acknowledged change said
/// the agent must be denied. Decisions that fail closed (the SDK's mesh_unavailable, control_plane_stale) are
/// counted, not violations.
/// </summary>
internal sealed class DecisionLoad : IAsyncDisposable
{
    private readonly MeshGate _gate;
    private readonly IReadOnlyList<LoadAgent> _agents;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<ReasonCode, long> _reasons = new();
    private readonly ConcurrentQueue<string> _auditIds = new();
    private readonly ConcurrentQueue<ReceivedDecision> _received = new();
    private long _completed;
    private int _disposed;
    private long _allowed;

    private DecisionLoad(MeshGate gate, IReadOnlyList<LoadAgent> agents, int workers)
    {
        _gate = gate;
        _agents = agents;
        _workers = [.. Enumerable.Range(0, workers).Select(i => Task.Run(() => RunAsync(i)))];
    }

    public long Completed => Interlocked.Read(ref _completed);

    public long Allowed => Interlocked.Read(ref _allowed);

    public IReadOnlyCollection<string> Violations => _violations;

    /// <summary>The reasons of the denies so far.</summary>
    public IReadOnlyCollection<ReasonCode> Reasons => [.. _reasons.Keys];

    /// <summary>The audit record id of every decision a worker received.</summary>
    public IReadOnlyCollection<string> AuditIds => _auditIds;

    /// <summary>Every decision a worker received with an audit record id, with the request it answered.</summary>
    public IReadOnlyCollection<ReceivedDecision> Received => _received;

    public static DecisionLoad Start(MeshGate gate, IReadOnlyList<LoadAgent> agents, int workers = 8) => new(gate, agents, workers);

    /// <summary>Waits until <paramref name="count"/> more decisions have completed.</summary>
    public Task WaitForProgressAsync(long count, TimeSpan timeout)
    {
        var target = Completed + count;
        return Mesh.Testing.Poll.UntilAsync(() => Completed >= target, timeout, $"{count} more decisions (done so far: {Summary()})");
    }

    public string Summary() =>
        $"{Completed} decisions, {Allowed} allowed; " + string.Join(", ", _reasons.OrderBy(r => r.Key).Select(r => $"{r.Key}={r.Value}"));

    /// <summary>Stops the workers and waits for them; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
        _stop.Dispose();
    }

    private async Task RunAsync(int worker)
    {
        var next = worker;
        while (!_stop.IsCancellationRequested)
        {
            var agent = _agents[next++ % _agents.Count];
            var startedAt = Stopwatch.GetTimestamp();
            var request = agent.Request();
            var decision = await _gate.CheckAsync(request);
            if (decision.AuditId is { } auditId)
            {
                _auditIds.Enqueue(auditId);
                _received.Enqueue(new ReceivedDecision(request, decision, Stopwatch.GetTimestamp()));
            }

            if (decision.IsAllowed)
            {
                Interlocked.Increment(ref _allowed);
                agent.WasAllowed();
                if (agent.MustDenyRequestStartedAt(startedAt))
                {
                    _violations.Enqueue($"{agent.AgentId} was allowed after an acknowledged change said deny");
                }
            }
            else
            {
                _reasons.AddOrUpdate(decision.Reason, 1, (_, n) => n + 1);
            }

            Interlocked.Increment(ref _completed);
        }
    }
}
