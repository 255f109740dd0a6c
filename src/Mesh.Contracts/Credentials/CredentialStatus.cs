namespace Mesh.Contracts.Credentials;

/// <summary>Lifecycle of a credential. Never renumber.</summary>
[GenerateSerializer]
public enum CredentialStatus
{
    /// <summary>Never issued.</summary>
    Unknown = 0,
    /// <summary>Usable within its scopes until it expires.</summary>
    Active = 1,
    /// <summary>Temporarily unusable; can be resumed.</summary>
    Suspended = 2,
    /// <summary>Permanently unusable.</summary>
    Revoked = 3,
}
