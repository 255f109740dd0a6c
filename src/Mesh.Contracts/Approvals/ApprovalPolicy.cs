using System.Collections.Immutable;

namespace Mesh.Contracts.Approvals;

/// <summary>Who must approve, how many, and by when: taken from the require-approval rule that fired.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApprovalPolicy")]
public sealed record ApprovalPolicy
{
    /// <summary>Approver groups whose members may vote.</summary>
    [Id(0)] public ImmutableArray<string> Groups { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>How many approve votes grant the request (N of M).</summary>
    [Id(1)] public int Quorum { get; init; } = 1;

    /// <summary>How long the approval stays open; after it, it is expired (denied).</summary>
    [Id(2)] public TimeSpan ExpiresAfter { get; init; } = TimeSpan.FromHours(1);

    /// <summary>A second group that may also vote once <see cref="EscalateAfter"/> has passed.</summary>
    [Id(3)] public ImmutableArray<string> EscalationGroups { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Delay before escalation; null: no escalation.</summary>
    [Id(4)] public TimeSpan? EscalateAfter { get; init; }

    /// <summary>When true (the default) the agent's owner may not vote; the requesting agent never may.</summary>
    [Id(5)] public bool SeparationOfDuties { get; init; } = true;

    /// <summary>
    /// The members the tenant's policy declares (<c>approver_groups</c>) for those of <see cref="Groups"/> and
    /// <see cref="EscalationGroups"/> it declares, as canonical approver identities. For a group listed here only
    /// these people may vote, and only with a grant of the group scoped to the approval's tenant
    /// (<c>tenant/group</c>); a group not listed here takes any holder of the group in this tenant.
    /// </summary>
    [Id(6)] public ImmutableDictionary<string, ImmutableArray<string>> Members { get; init; } = ImmutableDictionary<string, ImmutableArray<string>>.Empty;
}
