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

/// <summary>A vote as recorded, with its time.</summary>
[GenerateSerializer, Immutable, Alias("mesh.RecordedVote")]
public sealed record RecordedVote
{
    /// <summary>The approver.</summary>
    [Id(0)] public required string ApproverId { get; init; }

    /// <summary>True for approve.</summary>
    [Id(1)] public required bool Approve { get; init; }

    /// <summary>The comment.</summary>
    [Id(2)] public string? Comment { get; init; }

    /// <summary>When the vote was cast.</summary>
    [Id(3)] public required DateTimeOffset At { get; init; }
}

/// <summary>Whether an approver may vote on an approval now, and if not, why (the refusal a vote would get).</summary>
[GenerateSerializer, Immutable, Alias("mesh.VoterCheck")]
public sealed record VoterCheck
{
    /// <summary>True when a vote by this approver, in these groups, would be accepted now.</summary>
    [Id(0)] public required bool MayVote { get; init; }

    /// <summary>When <see cref="MayVote"/> is false: the message the vote would be refused with; else null.</summary>
    [Id(1)] public string? Reason { get; init; }
}
