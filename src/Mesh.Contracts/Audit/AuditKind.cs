namespace Mesh.Contracts.Audit;

/// <summary>What an audit record records.</summary>
[GenerateSerializer]
public enum AuditKind
{
    /// <summary>A decision of the agent's: the request (secrets hashed), effect, reason, rule, versions.</summary>
    Decision = 0,

    /// <summary>An outcome the runtime reported after executing, linked to its decision.</summary>
    Outcome = 1,

    /// <summary>A require-approval decision opened an approval.</summary>
    ApprovalOpened = 2,

    /// <summary>An approver voted.</summary>
    ApprovalVote = 3,

    /// <summary>An approval passed its deadline undecided.</summary>
    ApprovalExpired = 4,

    /// <summary>A granted approval was used by the decision it was granted for (single use).</summary>
    ApprovalConsumed = 5,

    /// <summary>An operator cancelled a pending approval.</summary>
    ApprovalCancelled = 6,

    /// <summary>An operator changed something: who, what, and the fleet receipt.</summary>
    OperatorAction = 7,

    /// <summary>A policy version was published, activated, rolled back or shadowed.</summary>
    PolicyChange = 8,
}

/// <summary>Wire names of <see cref="AuditKind"/> (snake case, as in the HTTP API and exports).</summary>
public static class AuditKinds
{
    private static readonly string[] Names =
        ["decision", "outcome", "approval_opened", "approval_vote", "approval_expired", "approval_consumed", "approval_cancelled", "operator_action", "policy_change"];

    /// <summary>The wire name.</summary>
    public static string ToWire(this AuditKind kind) => (uint)kind < (uint)Names.Length ? Names[(int)kind] : "unknown";

    /// <summary>Parses a wire name.</summary>
    public static bool TryParse(string? wire, out AuditKind kind)
    {
        var index = Array.IndexOf(Names, wire);
        kind = (AuditKind)Math.Max(index, 0);
        return index >= 0;
    }

    /// <summary>Every wire name, for help texts and errors.</summary>
    public static IReadOnlyList<string> All => Names;
}
