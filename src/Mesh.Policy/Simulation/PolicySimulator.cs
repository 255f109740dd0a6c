using Mesh.Policy.Compilation;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Testing;

namespace Mesh.Policy.Simulation;

/// <summary>Replays recorded requests against a candidate policy and lists every decision that would change.</summary>
public static class PolicySimulator
{
    /// <summary>
    /// Simulates. Each request is decided by the candidate exactly as <see cref="PolicyTestRunner.DecideOffline"/>
    /// decides, and compared with what was recorded for it: the decision the mesh actually made (effect, reason, rule),
    /// or, for a request that carries none, what the active policy decides.
    /// </summary>
    /// <remarks>
    /// A recorded decision made by a stage outside the policy keeps its outcome where no policy could change it: a
    /// request denied before the policy was consulted (paused agent or tenant, revoked, suspended, expired or unknown
    /// credential, out of scope, malformed, ...) is denied the same way under any candidate, so it is never counted as
    /// a change. A request refused after the policy answered (rate limit, parent agent, approval) keeps that refusal
    /// while the candidate answers the way that stage needs, and takes the candidate's answer otherwise.
    /// </remarks>
    public static SimulationReport Simulate(CompiledPolicy active, CompiledPolicy candidate, IReadOnlyList<SimulatedRequest> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var changes = new List<DecisionChange>();
        int outsidePolicy = 0, againstActive = 0;
        for (var i = 0; i < requests.Count; i++)
        {
            var request = requests[i];
            SimulatedOutcome baseline;
            if (request.Recorded is { } recorded)
            {
                baseline = recorded;
            }
            else
            {
                againstActive++;
                baseline = Offline(active, request.Input, SimulatedOutcome.ActivePolicySource);
            }

            var proposed = Offline(candidate, request.Input, null);
            if (DecisionStages.Kept(baseline, proposed))
            {
                outsidePolicy += DecisionStages.IsOutsidePolicy(baseline.Reason) ? 1 : 0;
                continue;
            }

            // A decision changes when its effect or reason does; a different rule reaching the same answer is no change.
            if (baseline.Effect != proposed.Effect || baseline.Reason != proposed.Reason)
            {
                var input = request.Input;
                changes.Add(new DecisionChange(i, request.RequestId, input.AgentId, input.Tool, input.Operation, input.Target, baseline, proposed));
            }
        }

        return new SimulationReport(requests.Count, changes.Count, requests.Count - changes.Count, outsidePolicy, againstActive, changes);
    }

    private static SimulatedOutcome Offline(CompiledPolicy policy, PolicyInput input, string? source)
    {
        var (effect, reason, rule) = PolicyTestRunner.DecideOffline(policy, input);
        return new SimulatedOutcome(effect, reason, rule) { Source = source };
    }
}
