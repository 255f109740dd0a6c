using System.Collections.Immutable;

namespace Mesh.Contracts.Approvals;

/// <summary>One approver's vote.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApprovalVote")]
public sealed record ApprovalVote
{
    /// <summary>The approver's identity (authenticated by the operator API).</summary>
    [Id(0)] public required string ApproverId { get; init; }

    /// <summary>The approver groups the approver belongs to.</summary>
    [Id(1)] public ImmutableArray<string> ApproverGroups { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>True to approve, false to deny.</summary>
    [Id(2)] public required bool Approve { get; init; }

    /// <summary>Why.</summary>
    [Id(3)] public string? Comment { get; init; }
}
