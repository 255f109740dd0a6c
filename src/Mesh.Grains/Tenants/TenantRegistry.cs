using System.Collections.Immutable;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;

namespace Mesh.Grains.Tenants;

/// <summary>
/// The fleet-wide registry of tenants: the sharded <see cref="ITenantIndexGrain"/> under
/// <see cref="ITenantIndexGrain.RegistryOwner"/>. A tenant is registered, before the change reports success, when an
/// agent of it is registered, a credential of it is issued or rotated, a policy of it is published, shadowed or rolled
/// back, or it is paused; so every tenant an operator has touched is listed, and none goes missing after a failure.
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

        return grains.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyFor(ITenantIndexGrain.RegistryOwner, ITenantIndexGrain.Tenants, tenant)).Add(tenant);
    }

    /// <summary>Every registered tenant id, sorted (ordinal).</summary>
    public static async Task<ImmutableArray<string>> ListAsync(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var shards = await Task.WhenAll(Enumerable.Range(0, ITenantIndexGrain.Shards)
            .Select(i => grains.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyOf(ITenantIndexGrain.RegistryOwner, ITenantIndexGrain.Tenants, i)).List()));
        return [.. shards.SelectMany(s => s).Order(StringComparer.Ordinal)];
    }
}
