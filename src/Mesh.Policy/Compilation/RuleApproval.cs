namespace Mesh.Policy.Compilation;

/// <summary>The approval a require-approval rule asks for.</summary>
/// <param name="Groups">Approver groups.</param>
/// <param name="Quorum">Approvals needed.</param>
/// <param name="ExpiresAfter">How long the approval stays open.</param>
/// <param name="EscalationGroups">Groups that may also vote after <paramref name="EscalateAfter"/>.</param>
/// <param name="EscalateAfter">Escalation delay.</param>
/// <param name="SeparationOfDuties">When true (the default), the agent's owner may not vote.</param>
/// <param name="Members">
/// For each group of the rule that the policy's <c>approver_groups</c> declares: its members' canonical identities
/// (only they may vote for that group). A group missing here was not declared; null: none was.
/// </param>
public sealed record RuleApproval(
    IReadOnlyList<string> Groups,
    int Quorum,
    TimeSpan ExpiresAfter,
    IReadOnlyList<string> EscalationGroups,
    TimeSpan? EscalateAfter,
    bool SeparationOfDuties = true,
    IReadOnlyDictionary<string, IReadOnlyList<string>>? Members = null);
