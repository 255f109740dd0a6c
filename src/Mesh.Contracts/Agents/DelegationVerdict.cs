using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;

namespace Mesh.Contracts.Agents;

/// <summary>A parent's answer for its sub-agent.</summary>
[GenerateSerializer, Immutable, Alias("mesh.DelegationVerdict")]
public sealed record DelegationVerdict
{
    /// <summary>The parent's effect: a deny bounds the child.</summary>
    [Id(0)] public required Effect Effect { get; init; }

    /// <summary>The parent's reason.</summary>
    [Id(1)] public required ReasonCode Reason { get; init; }

    /// <summary>Explanation.</summary>
    [Id(2)] public required string Message { get; init; }

    /// <summary>The parent's deciding rule, if any.</summary>
    [Id(3)] public string? RuleId { get; init; }

    /// <summary>When the parent requires approval: the approval its rule asks for.</summary>
    [Id(4)] public Approvals.ApprovalPolicy? Approval { get; init; }
}
