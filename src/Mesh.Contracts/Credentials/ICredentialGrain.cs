namespace Mesh.Contracts.Credentials;

/// <summary>One credential, keyed <c>tenant/credential</c>: scopes, expiry, status and version.</summary>
public interface ICredentialGrain : IGrainWithStringKey
{
    /// <summary>Issues the credential (once; use <see cref="Rotate"/> to change it).</summary>
    Task<CredentialInfo> Issue(CredentialSpec spec);

    /// <summary>Suspends it until <see cref="Resume"/>.</summary>
    Task<CredentialInfo> Suspend(string? reason);

    /// <summary>Resumes a suspended credential. A revoked credential can never be resumed.</summary>
    Task<CredentialInfo> Resume();

    /// <summary>Revokes it permanently. When this returns, no decision that starts afterwards allows it.</summary>
    Task<CredentialInfo> Revoke(string? reason);

    /// <summary>Starts a new version (optionally with a new spec); decisions name the version they saw.</summary>
    Task<CredentialInfo> Rotate(CredentialSpec? spec);

    /// <summary>The credential as operators see it.</summary>
    [ReadOnly]
    Task<CredentialInfo> GetInfo();

    /// <summary>Everything a silo needs to judge the credential locally, with the revision it was taken at.</summary>
    [ReadOnly]
    Task<CredentialSnapshot> GetSnapshot();

    /// <summary>Is it usable for this tool, operation and target right now? (Asks the grain; decisions use the silo's view.)</summary>
    [ReadOnly]
    ValueTask<CredentialCheck> Check(string tool, string operation, string? target);

    /// <summary>
    /// Takes one token from the credential-wide bucket a policy rule sets (shared by every agent holding the
    /// credential). Returns null when taken, else how long until one is available.
    /// </summary>
    ValueTask<TimeSpan?> TryAcquire(string ruleId, Agents.RateLimit limit);
}
