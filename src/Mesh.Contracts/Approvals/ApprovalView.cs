using System.Collections.Immutable;

namespace Mesh.Contracts.Approvals;

/// <summary>An approval as approvers and operators see it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApprovalView")]
public sealed record ApprovalView
{
    /// <summary>The approval id, <c>tenant/apr-…</c>.</summary>
    [Id(0)] public required string ApprovalId { get; init; }

    /// <summary>Current status (expiry is applied as of the time of the call).</summary>
    [Id(1)] public required ApprovalStatus Status { get; init; }

    /// <summary>The request in full; null when unknown.</summary>
    [Id(2)] public ApprovalSubject? Subject { get; init; }

    /// <summary>Digest the re-sent request must match.</summary>
    [Id(3)] public string? RequestDigest { get; init; }

    /// <summary>Policy version the approval is bound to.</summary>
    [Id(4)] public long PolicyVersion { get; init; }

    /// <summary>Who may vote and how many must approve.</summary>
    [Id(5)] public ApprovalPolicy? Policy { get; init; }

    /// <summary>Votes so far.</summary>
    [Id(6)] public ImmutableArray<RecordedVote> Votes { get; init; } = ImmutableArray<RecordedVote>.Empty;

    /// <summary>When it was opened.</summary>
    [Id(7)] public DateTimeOffset? OpenedAt { get; init; }

    /// <summary>When it expires.</summary>
    [Id(8)] public DateTimeOffset? Deadline { get; init; }

    /// <summary>True once the escalation group may vote too.</summary>
    [Id(9)] public bool Escalated { get; init; }

    /// <summary>True once the granted request has run (single use).</summary>
    [Id(10)] public bool Consumed { get; init; }

    /// <summary>Increases on every change; watchers pass the last one they saw.</summary>
    [Id(11)] public int Revision { get; init; }

    /// <summary>
    /// The approver groups whose members may vote now: the approval's groups, plus the escalation groups once it has
    /// escalated. Empty once the approval is no longer pending.
    /// </summary>
    [Id(12)] public ImmutableArray<string> EligibleGroups { get; init; } = ImmutableArray<string>.Empty;
}
