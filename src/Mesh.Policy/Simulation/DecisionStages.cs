namespace Mesh.Policy.Simulation;

/// <summary>
/// Which stage of the decision path made a recorded decision (see the order in the agent grain's decision path), and
/// so whether a different policy could have changed it.
/// </summary>
internal static class DecisionStages
{
    // Reached only when the policy did not deny: a stage after the policy refused.
    private static readonly HashSet<string> AfterPolicy = new(StringComparer.Ordinal) { "rate_limited", "parent_denied" };

    // Reached only when the policy required approval: the approval named in the request was not usable.
    private static readonly HashSet<string> AfterApproval = new(StringComparer.Ordinal)
    {
        "approval_pending", "approval_denied", "approval_expired", "approval_mismatch", "approval_consumed",
    };

    // What the policy stage itself answers (rules, default deny, evidence, the destination guard rules can open).
    private static readonly HashSet<string> PolicyStage = new(StringComparer.Ordinal) { "policy", "default", "evidence_missing", "destination_blocked" };

    /// <summary>True when the recorded decision was not the policy's own answer.</summary>
    public static bool IsOutsidePolicy(string reason) => !PolicyStage.Contains(reason);

    /// <summary>Whether the recorded outcome stands under the candidate's answer, because the stage that made it still would.</summary>
    public static bool Kept(SimulatedOutcome recorded, SimulatedOutcome candidate)
    {
        if (AfterPolicy.Contains(recorded.Reason))
        {
            return candidate.Effect != "deny";
        }

        if (AfterApproval.Contains(recorded.Reason))
        {
            return candidate.Effect == "require_approval";
        }

        if (PolicyStage.Contains(recorded.Reason))
        {
            // An allow that consumed a granted approval: a candidate that also asks for approval was answered already.
            return recorded.Effect == "allow" && recorded.ApprovalId is not null && candidate.Effect == "require_approval";
        }

        // Decided before the policy was consulted (or refused for the request itself): no policy changes it.
        return true;
    }
}
