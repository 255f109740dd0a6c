using System.Collections.Immutable;

namespace Mesh.Contracts.Tenants;

/// <summary>
/// One shard of a tenant's index of agents, credentials or pending approvals (key <c>tenant/agents-NN</c>,
/// <c>tenant/credentials-NN</c>, <c>tenant/approvals-NN</c>), or of a fleet-wide registry: every tenant
/// (<c>_mesh/tenants-NN</c>) and every pending approval of every tenant (<c>_mesh/approvals-NN</c>), see
/// <see cref="RegistryOwner"/>. Sharded, so registering many agents or opening many approvals never rewrites one
/// ever-growing state, and never queues behind the tenant grain that every decision reads.
/// </summary>
public interface ITenantIndexGrain : IGrainWithStringKey
{
    /// <summary>Shards per tenant and kind.</summary>
    public const int Shards = 256;

    /// <summary>
    /// Shards of each fleet-wide registry. Fewer than a tenant index has: a registry is listed whole on every refresh of
    /// the console (16 calls, not 256), and what it holds (tenant ids, pending approvals) is small.
    /// </summary>
    public const int RegistryShards = 16;

    /// <summary>Index of agents.</summary>
    public const string Agents = "agents";

    /// <summary>Index of pending approvals.</summary>
    public const string Approvals = "approvals";

    /// <summary>Index of issued credentials.</summary>
    public const string Credentials = "credentials";

    /// <summary>The registry of tenants; only under <see cref="RegistryOwner"/>, its ids are tenant ids.</summary>
    /// <remarks>Under <see cref="RegistryOwner"/>, <see cref="Approvals"/> is the registry of every tenant's pending approvals.</remarks>
    public const string Tenants = "tenants";

    /// <summary>
    /// The owner part of the tenant registry's keys. Not a valid tenant id (<see cref="Keys.MeshKey.IsValidTenant"/>
    /// refuses the underscore), so no tenant's own index can ever share a key with the registry.
    /// </summary>
    public const string RegistryOwner = "_mesh";

    /// <summary>Adds an id (idempotent).</summary>
    Task Add(string id);

    /// <summary>Removes an id (idempotent).</summary>
    Task Remove(string id);

    /// <summary>The shard's ids.</summary>
    [ReadOnly]
    Task<ImmutableArray<string>> List();

    /// <summary>The shard key an id belongs to.</summary>
    public static string KeyFor(string tenant, string kind, string id) => KeyOf(tenant, kind, (int)(StableHash(id) % Shards));

    /// <summary>The registry shard key an id belongs to (<paramref name="kind"/>: <see cref="Tenants"/> or <see cref="Approvals"/>).</summary>
    public static string RegistryKeyFor(string kind, string id) => KeyOf(RegistryOwner, kind, (int)(StableHash(id) % RegistryShards));

    /// <summary>The key of one shard.</summary>
    public static string KeyOf(string tenant, string kind, int shard) => $"{tenant}/{kind}-{shard:D2}";

    // string.GetHashCode is randomised per process; shards must agree across silos and restarts (FNV-1a).
    private static uint StableHash(string value)
    {
        var hash = 2166136261u;
        foreach (var c in value)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return hash;
    }
}
