using System.Collections.Immutable;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;

namespace Mesh.Grains.Tenants;

/// <summary>
/// The fleet-wide registries: every tenant, and every pending approval of every tenant (sharded
/// <see cref="ITenantIndexGrain"/>s under <see cref="ITenantIndexGrain.RegistryOwner"/>). A tenant is registered, before the change reports success, when an
/// agent of it is registered, a credential of it is issued or rotated, a policy of it is published, shadowed or rolled
/// back, or it is paused; so every tenant an operator has touched is listed, and none goes missing after a failure.
/// An approval is in the pending registry from its opening until it is decided, like in its tenant's index; the
/// approvals inbox of every tenant reads this one registry instead of every tenant's index.
/// </summary>
public static class TenantRegistry
{
    /// <summary>Registers <paramref name="tenant"/> (idempotent: a second registration writes nothing).</summary>
    /// <exception cref="ArgumentException">When <paramref name="tenant"/> is not a valid tenant id.</exception>
    public static Task RegisterAsync(IGrainFactory grains, string tenant)
    {
        ArgumentNullException.ThrowIfNull(grains);
        if (!MeshKey.IsValidTenant(tenant))
        {
            throw new ArgumentException($"'{tenant}' is not a valid tenant id.", nameof(tenant));
        }

        return grains.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.RegistryKeyFor(ITenantIndexGrain.Tenants, tenant)).Add(tenant);
    }

    /// <summary>Every registered tenant id, sorted (ordinal).</summary>
    public static Task<ImmutableArray<string>> ListAsync(IGrainFactory grains) => ListRegistryAsync(grains, ITenantIndexGrain.Tenants);

    /// <summary>The shard of the pending-approvals registry that holds <paramref name="approvalId"/>.</summary>
    public static ITenantIndexGrain PendingApprovalShard(IGrainFactory grains, string approvalId)
    {
        ArgumentNullException.ThrowIfNull(grains);
        return grains.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.RegistryKeyFor(ITenantIndexGrain.Approvals, approvalId));
    }

    /// <summary>Every pending approval id of every tenant, sorted (ordinal). A just-decided one may still be listed.</summary>
    public static Task<ImmutableArray<string>> ListPendingApprovalsAsync(IGrainFactory grains) => ListRegistryAsync(grains, ITenantIndexGrain.Approvals);

    private static async Task<ImmutableArray<string>> ListRegistryAsync(IGrainFactory grains, string kind)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var shards = await Task.WhenAll(Enumerable.Range(0, ITenantIndexGrain.RegistryShards)
            .Select(i => grains.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyOf(ITenantIndexGrain.RegistryOwner, kind, i)).List()));
        return [.. shards.SelectMany(s => s).Order(StringComparer.Ordinal)];
    }
}
