namespace Mesh.Contracts.Credentials;

/// <summary>One credential, keyed <c>tenant/credential</c>: scopes, expiry, status and version.</summary>
public interface ICredentialGrain : IGrainWithStringKey
{
    /// <summary>Issues the credential (once; use <see cref="Rotate"/> to change it).</summary>
    [Audit.AuditedAction("credential.issue")]
    Task<CredentialInfo> Issue(CredentialSpec spec);

    /// <summary>Suspends it until <see cref="Resume"/>.</summary>
    [Audit.AuditedAction("credential.suspend")]
    Task<CredentialInfo> Suspend(string? reason);

    /// <summary>Resumes a suspended credential. A revoked credential can never be resumed.</summary>
    [Audit.AuditedAction("credential.resume")]
    Task<CredentialInfo> Resume();

    /// <summary>Revokes it permanently. When this returns, no decision that starts afterwards allows it.</summary>
    [Audit.AuditedAction("credential.revoke")]
    Task<CredentialInfo> Revoke(string? reason);

    /// <summary>Starts a new version (optionally with a new spec); decisions name the version they saw.</summary>
    [Audit.AuditedAction("credential.rotate")]
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
    /// Takes up to <paramref name="want"/> whole tokens from the credential-wide bucket that policy rule
    /// <paramref name="ruleId"/> sets (shared by every agent holding the credential, on every silo), for a silo to spend
    /// on its own decisions. When none is available, the grant says how long until one is.
    /// </summary>
    /// <remarks>
    /// Silo-internal (each silo's per-credential limiter leases batches so that decisions need no call); tokens it
    /// does not spend within its lease period go back through <see cref="ReturnTokens"/>.
    /// </remarks>
    /// <param name="ruleId">The rule whose <c>per_credential</c> limit this is; each rule has its own bucket.</param>
    /// <param name="limit">The limit as the caller's policy states it; the bucket follows it when it changes.</param>
    /// <param name="want">How many tokens the caller asks for, at least 1.</param>
    ValueTask<TokenGrant> LeaseTokens(string ruleId, Agents.RateLimit limit, int want);

    /// <summary>
    /// Gives back <paramref name="count"/> tokens leased through <see cref="LeaseTokens"/> and not spent. The bucket is
    /// capped at its capacity, so returning never lets it hold more than it would have without the lease.
    /// </summary>
    /// <param name="ruleId">The rule the tokens were leased for.</param>
    /// <param name="limit">The limit as the caller's policy states it.</param>
    /// <param name="count">How many unspent tokens go back (0 or more).</param>
    ValueTask ReturnTokens(string ruleId, Agents.RateLimit limit, int count);
}
