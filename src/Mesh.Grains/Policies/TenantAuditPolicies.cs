using Mesh.Policy.Compilation;

namespace Mesh.Grains.Policies;

/// <summary>
/// The audit settings (which fields are secrets) of a tenant's policy version, for code outside the grains that shows
/// recorded requests, such as the approval views: they hide what the tenant named a secret, not only what the built-in
/// rules recognise. Served from the silo's compiled-policy cache.
/// </summary>
public sealed class TenantAuditPolicies
{
    private readonly PolicyCache _policies;

    internal TenantAuditPolicies(PolicyCache policies) => _policies = policies;

    /// <summary>The audit settings of <paramref name="tenant"/>'s policy <paramref name="version"/> (version 0: the defaults).</summary>
    public async ValueTask<AuditPolicy> GetAsync(string tenant, long version) =>
        (await _policies.GetAsync(tenant, version).ConfigureAwait(false)).Compiled.Audit;
}
