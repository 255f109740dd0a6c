using System.Collections.Concurrent;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tenants;
using Mesh.Policy.Compilation;

namespace Mesh.Grains.Policies;

/// <summary>
/// Silo-local cache of compiled tenant policies, keyed by tenant and version. A version is immutable once published,
/// so an entry never goes stale; a decision compiles nothing and reads no storage once its version is here.
/// </summary>
internal sealed class PolicyCache(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<(string Tenant, long Version), TenantPolicy> _policies = new();

    public ValueTask<TenantPolicy> GetAsync(string tenant, long version)
    {
        if (version == 0)
        {
            return ValueTask.FromResult(TenantPolicy.Empty);
        }

        return _policies.TryGetValue((tenant, version), out var policy)
            ? ValueTask.FromResult(policy)
            : new ValueTask<TenantPolicy>(LoadAsync(tenant, version));
    }

    /// <summary>The policy if this silo has it compiled already (no call, no compile).</summary>
    public TenantPolicy? GetCached(string tenant, long version) =>
        version == 0 ? TenantPolicy.Empty : _policies.GetValueOrDefault((tenant, version));

    /// <summary>Adds a policy the caller already compiled (the tenant grain, when publishing).</summary>
    public void Add(string tenant, CompiledPolicy compiled) => _policies.TryAdd((tenant, compiled.Version), new TenantPolicy(compiled));

    private async Task<TenantPolicy> LoadAsync(string tenant, long version)
    {
        var document = await grains.GetGrain<ITenantGrain>(tenant).GetPolicyDocument(version)
            ?? throw new MeshException(MeshErrorCode.NotFound, $"Tenant '{tenant}' has no policy version {version}.");
        var policy = new TenantPolicy(PolicyCompiler.Compile(document, version));
        return _policies.GetOrAdd((tenant, version), policy);
    }
}
