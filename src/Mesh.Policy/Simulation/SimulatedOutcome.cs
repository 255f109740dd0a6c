using System.Text.Json.Serialization;

namespace Mesh.Policy.Simulation;

/// <summary>One decision in a simulation: the recorded one, or the candidate's.</summary>
/// <param name="Effect">allow, deny or require_approval.</param>
/// <param name="Reason">The wire reason code, e.g. <c>policy</c>, <c>default</c>, <c>credential_revoked</c>.</param>
/// <param name="RuleId">The deciding rule, if a rule decided.</param>
public sealed record SimulatedOutcome(string Effect, string Reason, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? RuleId)
{
    /// <summary><see cref="Source"/> of a decision the audit trail recorded.</summary>
    public const string AuditSource = "audit";

    /// <summary><see cref="Source"/> of a decision given with the replayed request.</summary>
    public const string RequestSource = "request";

    /// <summary><see cref="Source"/> of a request replayed without a recorded decision: the active policy's answer stands in.</summary>
    public const string ActivePolicySource = "active_policy";

    /// <summary>For a recorded decision: where it comes from (<c>audit</c>, <c>request</c> or <c>active_policy</c>); null for the candidate's.</summary>
    public string? Source { get; init; }

    /// <summary>For a recorded allow: the approval it consumed, if any.</summary>
    public string? ApprovalId { get; init; }
}
