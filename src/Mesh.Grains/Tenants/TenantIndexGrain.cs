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

/// <summary>One shard of a tenant's index of agents or pending approvals.</summary>
internal sealed class TenantIndexGrain(
    [PersistentState("tenant-index", MeshStorage.ProviderName)] IPersistentState<TenantIndexState> state) : Grain, ITenantIndexGrain
{
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

    private void EnsureSameTenant(string id) =>
        MeshException.ThrowIfInvalid(MeshKey.TenantOf(id) is { } tenant && tenant == MeshKey.TenantOf(this.GetPrimaryKeyString()), $"'{id}' does not belong to this tenant's index.");
}
