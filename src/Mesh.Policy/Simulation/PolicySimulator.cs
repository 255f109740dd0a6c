using Mesh.Policy.Compilation;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Testing;

namespace Mesh.Policy.Simulation;

/// <summary>A recorded request whose decision would change under a candidate policy.</summary>
/// <param name="Index">Position of the request in the replayed set (0-based).</param>
/// <param name="RequestId">The recorded request id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Tool">Tool.</param>
/// <param name="Operation">Operation.</param>
/// <param name="Target">Target.</param>
/// <param name="Before">Effect under the active policy.</param>
/// <param name="BeforeReason">Reason under the active policy.</param>
/// <param name="BeforeRule">Deciding rule under the active policy.</param>
/// <param name="After">Effect under the candidate.</param>
/// <param name="AfterReason">Reason under the candidate.</param>
/// <param name="AfterRule">Deciding rule under the candidate.</param>
public sealed record DecisionChange(
    int Index, string? RequestId, string? AgentId, string Tool, string Operation, string? Target,
    string Before, string BeforeReason, string? BeforeRule, string After, string AfterReason, string? AfterRule);

/// <summary>The outcome of replaying recorded requests against a candidate policy.</summary>
/// <param name="Requests">How many requests were replayed.</param>
/// <param name="Changes">Every decision that would change.</param>
public sealed record SimulationReport(int Requests, IReadOnlyList<DecisionChange> Changes);

/// <summary>Replays recorded requests against the active policy and a candidate and lists every decision that would change.</summary>
public static class PolicySimulator
{
    /// <summary>Simulates. Each request is decided exactly as <see cref="PolicyTestRunner.DecideOffline"/> decides.</summary>
    public static SimulationReport Simulate(CompiledPolicy active, CompiledPolicy candidate, IReadOnlyList<(string? RequestId, PolicyInput Input)> requests)
    {
        var changes = new List<DecisionChange>();
        for (var i = 0; i < requests.Count; i++)
        {
            var (requestId, input) = requests[i];
            var before = PolicyTestRunner.DecideOffline(active, input);
            var after = PolicyTestRunner.DecideOffline(candidate, input);
            // A decision changes when its effect or reason does; a different rule reaching the same answer is no change.
            if (before.Effect != after.Effect || before.Reason != after.Reason)
            {
                changes.Add(new DecisionChange(i, requestId, input.AgentId, input.Tool, input.Operation, input.Target,
                    before.Effect, before.Reason, before.Rule, after.Effect, after.Reason, after.Rule));
            }
        }

        return new SimulationReport(requests.Count, changes);
    }
}
