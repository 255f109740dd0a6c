namespace Mesh.Contracts.Approvals;

/// <summary>What a runtime learns when it waits for an approval (not the full request).</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApprovalWaitResult")]
public sealed record ApprovalWaitResult
{
    /// <summary>The approval id.</summary>
    [Id(0)] public required string ApprovalId { get; init; }

    /// <summary>The status when the wait ended.</summary>
    [Id(1)] public required ApprovalStatus Status { get; init; }

    /// <summary>True when the wait ended because time ran out while still pending.</summary>
    [Id(2)] public bool TimedOut { get; init; }

    /// <summary>The deciding comment, if an approver left one.</summary>
    [Id(3)] public string? Comment { get; init; }

    /// <summary>Set by the SDK when the mesh could not be asked (the status is then <see cref="ApprovalStatus.Unknown"/>).</summary>
    [Id(4)] public string? Error { get; init; }
}
