namespace Mesh.Contracts.Approvals;

/// <summary>Lifecycle of an approval. Never renumber.</summary>
[GenerateSerializer]
public enum ApprovalStatus
{
    /// <summary>No approval was opened under this id.</summary>
    Unknown = 0,
    /// <summary>Waiting for votes.</summary>
    Pending = 1,
    /// <summary>Quorum reached; the request may run once.</summary>
    Granted = 2,
    /// <summary>An approver denied it.</summary>
    Denied = 3,
    /// <summary>The deadline passed before it was granted (or before a granted approval was used).</summary>
    Expired = 4,
    /// <summary>An operator cancelled it.</summary>
    Cancelled = 5,
}
