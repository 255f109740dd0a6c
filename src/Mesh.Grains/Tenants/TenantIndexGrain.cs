using System.Collections.Immutable;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Tenants;

/// <summary>Persisted state of one index shard.</summary>
[GenerateSerializer, Alias("mesh.state.TenantIndex")]
internal sealed class TenantIndexState
{
    [Id(0)] public HashSet<string> Ids { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One shard of a tenant's index of agents, credentials or pending approvals, or of the registry of tenants.</summary>
internal sealed class TenantIndexGrain(
    [PersistentState("tenant-index", MeshStorage.ProviderName)] IPersistentState<TenantIndexState> state) : Grain, ITenantIndexGrain
{
    private const string RegistryPrefix = ITenantIndexGrain.RegistryOwner + "/" + ITenantIndexGrain.Tenants + "-";

    public async Task Add(string id)
    {
        EnsureSameTenant(id);
        if (state.State.Ids.Add(id))
        {
            await state.WriteOrDiscardAsync(GrainContext);
        }
    }

    public async Task Remove(string id)
    {
        EnsureSameTenant(id);
        if (state.State.Ids.Remove(id))
        {
            await state.WriteOrDiscardAsync(GrainContext);
        }
    }

    public Task<ImmutableArray<string>> List() => Task.FromResult(state.State.Ids.ToImmutableArray());

    // A tenant's shard holds only that tenant's ids; a registry shard holds only tenant ids.
    private void EnsureSameTenant(string id)
    {
        var key = this.GetPrimaryKeyString();
        if (key.StartsWith(RegistryPrefix, StringComparison.Ordinal))
        {
            MeshException.ThrowIfInvalid(MeshKey.IsValidTenant(id), $"'{id}' is not a tenant id, so it cannot join the registry of tenants.");
            return;
        }

        MeshException.ThrowIfInvalid(MeshKey.TenantOf(id) is { } tenant && tenant == MeshKey.TenantOf(key), $"'{id}' does not belong to this tenant's index.");
    }
}
