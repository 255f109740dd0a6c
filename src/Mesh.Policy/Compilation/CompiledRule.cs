using Mesh.Policy.Matching;
using Mesh.Policy.Model;

namespace Mesh.Policy.Compilation;

/// <summary>A validated rule with its matchers compiled.</summary>
public sealed class CompiledRule
{
    internal CompiledRule(int index, string id, RuleEffect effect)
    {
        Index = index;
        Id = id;
        Effect = effect;
    }

    /// <summary>Position in the document; among rules of equal effect the earlier one is reported.</summary>
    public int Index { get; }

    /// <summary>The rule id.</summary>
    public string Id { get; }

    /// <summary>The effect.</summary>
    public RuleEffect Effect { get; }

    /// <summary>Tool globs.</summary>
    public GlobSet Tools { get; internal init; } = GlobSet.Any;

    /// <summary>Operation globs.</summary>
    public GlobSet Operations { get; internal init; } = GlobSet.Any;

    /// <summary>Target globs.</summary>
    public GlobSet Targets { get; internal init; } = GlobSet.Any;

    /// <summary>Workflow globs.</summary>
    public GlobSet Workflows { get; internal init; } = GlobSet.Any;

    /// <summary>Roles; the agent must hold one (empty: any agent).</summary>
    public IReadOnlyList<string> Roles { get; internal init; } = [];

    /// <summary>Data labels; the request must carry one (empty: any request).</summary>
    public IReadOnlyList<string> Labels { get; internal init; } = [];

    /// <summary>For allow rules: a per agent + tool rate limit.</summary>
    public RuleRateLimit? RateLimit { get; internal init; }

    /// <summary>For require-approval rules: who approves.</summary>
    public RuleApproval? Approval { get; internal init; }
}

/// <summary>A rate limit a rule puts on the actions it allows.</summary>
/// <param name="Permits">Permits per period.</param>
/// <param name="Per">The period.</param>
/// <param name="Burst">Capacity (0: same as permits).</param>
public sealed record RuleRateLimit(int Permits, TimeSpan Per, int Burst);

/// <summary>The approval a require-approval rule asks for.</summary>
/// <param name="Groups">Approver groups.</param>
/// <param name="Quorum">Approvals needed.</param>
/// <param name="ExpiresAfter">How long the approval stays open.</param>
/// <param name="EscalationGroups">Groups that may also vote after <paramref name="EscalateAfter"/>.</param>
/// <param name="EscalateAfter">Escalation delay.</param>
public sealed record RuleApproval(
    IReadOnlyList<string> Groups,
    int Quorum,
    TimeSpan ExpiresAfter,
    IReadOnlyList<string> EscalationGroups,
    TimeSpan? EscalateAfter);
