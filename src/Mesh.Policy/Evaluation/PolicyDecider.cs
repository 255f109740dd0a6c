using Mesh.Policy.Compilation;
using Mesh.Policy.Destinations;
using Mesh.Policy.Model;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// Combines a policy's verdict with the destination guard and evidence: the single place that turns rules into an
/// allow, deny or require-approval. The silo, <c>mesh policy test</c> and simulation all use it, so they agree.
/// </summary>
public static class PolicyDecider
{
    /// <summary>Decides for one request. <paramref name="blocked"/> holds the guard's blocked categories for its target.</summary>
    public static PolicyOutcome Decide(CompiledPolicy policy, in PolicyInput input, DestinationCategory blocked)
    {
        var verdict = policy.Evaluate(input);
        if (verdict.Effect == RuleEffect.None)
        {
            return verdict.EvidenceRule is { } needsEvidence
                ? new PolicyOutcome(RuleEffect.Deny, PolicyReason.EvidenceMissing, needsEvidence, needsEvidence.MissingEvidence(input.Evidence), DestinationCategory.None)
                : new PolicyOutcome(RuleEffect.Deny, PolicyReason.Default, null, [], DestinationCategory.None);
        }

        var rule = verdict.Rule!;
        if (verdict.Effect != RuleEffect.Deny && (blocked & ~rule.OpenDestinations) is var closed && closed != DestinationCategory.None)
        {
            return new PolicyOutcome(RuleEffect.Deny, PolicyReason.DestinationBlocked, rule, [], closed);
        }

        return new PolicyOutcome(verdict.Effect, PolicyReason.Policy, rule, [], DestinationCategory.None);
    }
}
