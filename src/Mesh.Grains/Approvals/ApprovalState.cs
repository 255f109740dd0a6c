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
}
