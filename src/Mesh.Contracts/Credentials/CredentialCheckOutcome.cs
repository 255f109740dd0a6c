namespace Mesh.Contracts.Credentials;

/// <summary>The answer a decision needs from a credential: is it usable for this, and which version is it.</summary>
[GenerateSerializer]
public enum CredentialCheckOutcome
{
    /// <summary>Usable for this request.</summary>
    Usable = 0,
    /// <summary>Never issued.</summary>
    Unknown = 1,
    /// <summary>Suspended.</summary>
    Suspended = 2,
    /// <summary>Revoked.</summary>
    Revoked = 3,
    /// <summary>Expired.</summary>
    Expired = 4,
    /// <summary>Scopes do not cover the request.</summary>
    OutOfScope = 5,
}
