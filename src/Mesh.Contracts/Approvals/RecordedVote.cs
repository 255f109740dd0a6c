namespace Mesh.Contracts.Approvals;

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
