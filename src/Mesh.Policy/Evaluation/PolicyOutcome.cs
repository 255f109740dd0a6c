using System.Collections.Immutable;
using Mesh.Policy.Compilation;
using Mesh.Policy.Destinations;
using Mesh.Policy.Model;

namespace Mesh.Policy.Evaluation;

/// <summary>Why the policy layer decided as it did.</summary>
public enum PolicyReason
{
    /// <summary>A rule decided.</summary>
    Policy,
    /// <summary>No rule allowed the action.</summary>
    Default,
    /// <summary>An allow rule applied but the request lacks evidence it requires.</summary>
    EvidenceMissing,
    /// <summary>The target is a blocked destination the deciding rule does not open.</summary>
    DestinationBlocked,
}

/// <summary>The policy layer's answer: effect, reason and the rule behind it.</summary>
/// <param name="Effect">Allow, deny or require approval (never None).</param>
/// <param name="Reason">Why.</param>
/// <param name="Rule">The deciding rule (or, for evidence_missing, the rule that needs the evidence).</param>
/// <param name="MissingEvidence">For evidence_missing: the keys the request lacks.</param>
/// <param name="Blocked">For destination_blocked: the categories that were not opened.</param>
public readonly record struct PolicyOutcome(RuleEffect Effect, PolicyReason Reason, CompiledRule? Rule, ImmutableArray<string> MissingEvidence, DestinationCategory Blocked);

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
