namespace Mesh.Contracts.Errors;

/// <summary>Stable codes for refused operator calls. Never renumber.</summary>
[GenerateSerializer]
public enum MeshErrorCode
{
    /// <summary>An argument is malformed or out of range; the message names it.</summary>
    InvalidArgument = 0,
    /// <summary>The thing does not exist.</summary>
    NotFound = 1,
    /// <summary>The thing exists already.</summary>
    AlreadyExists = 2,
    /// <summary>The thing is in a state that does not allow the call (e.g. resuming a revoked credential).</summary>
    InvalidState = 3,
    /// <summary>The caller may not make this call.</summary>
    AccessDenied = 4,
    /// <summary>A vote or other operation conflicts with earlier ones (e.g. a second vote by the same approver).</summary>
    Conflict = 5,
    /// <summary>A store Mesh depends on (the audit store) is unavailable; retry later.</summary>
    Unavailable = 6,
    /// <summary>A policy document (or candidate) does not validate; the message lists every error with its line and column.</summary>
    PolicyInvalid = 7,
}
