namespace Mesh.Contracts.Approvals;

/// <summary>Result of consuming a granted approval.</summary>
[GenerateSerializer]
public enum ApprovalConsumeResult
{
    /// <summary>Granted and now used: the request may run this once.</summary>
    Consumed = 0,
    /// <summary>No approval under that id.</summary>
    Unknown = 1,
    /// <summary>Still waiting for votes.</summary>
    Pending = 2,
    /// <summary>Denied or cancelled.</summary>
    Denied = 3,
    /// <summary>Expired.</summary>
    Expired = 4,
    /// <summary>Bound to another request, agent or policy version.</summary>
    Mismatch = 5,
    /// <summary>Already used.</summary>
    AlreadyConsumed = 6,
}
