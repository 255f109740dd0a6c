using Mesh.Contracts.Approvals;

namespace Mesh.Grains.Approvals;

/// <summary>Persisted state of an approval.</summary>
[GenerateSerializer, Alias("mesh.state.Approval")]
internal sealed class ApprovalState
{
    [Id(0)] public ApprovalStatus Status { get; set; }

    [Id(1)] public ApprovalSubject? Subject { get; set; }

    [Id(2)] public string? RequestDigest { get; set; }

    [Id(3)] public long PolicyVersion { get; set; }

    [Id(4)] public ApprovalPolicy? Policy { get; set; }

    [Id(5)] public List<RecordedVote> Votes { get; set; } = [];

    [Id(6)] public DateTimeOffset? OpenedAt { get; set; }

    [Id(7)] public DateTimeOffset? Deadline { get; set; }

    [Id(8)] public bool Consumed { get; set; }

    [Id(9)] public int Revision { get; set; }

    [Id(10)] public string? ClosedBy { get; set; }

    [Id(11)] public string? CloseReason { get; set; }

    /// <summary>
    /// When the escalation group was let in (open time plus the escalation delay), recorded by the escalation
    /// reminder. Escalation is still derived from the clock: this only makes it visible and wakes waiters.
    /// </summary>
    [Id(12)] public DateTimeOffset? EscalatedAt { get; set; }

    /// <summary>When the approval reached a final status: denied, cancelled, used, or expired (then the deadline).</summary>
    [Id(13)] public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>True once the approval is final and its reminders were unregistered: none can exist any more.</summary>
    [Id(14)] public bool RemindersRetired { get; set; }
}
