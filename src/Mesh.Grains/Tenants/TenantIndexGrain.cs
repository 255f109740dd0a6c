using System.Collections.Immutable;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Tenants;

/// <summary>One shard of a tenant's index of agents, credentials or pending approvals, or of a fleet-wide registry.</summary>
internal sealed class TenantIndexGrain(
    [PersistentState("tenant-index", MeshStorage.ProviderName)] IPersistentState<TenantIndexState> state) : Grain, ITenantIndexGrain
{
    private const string TenantRegistryPrefix = ITenantIndexGrain.RegistryOwner + "/" + ITenantIndexGrain.Tenants + "-";
    private const string ApprovalRegistryPrefix = ITenantIndexGrain.RegistryOwner + "/" + ITenantIndexGrain.Approvals + "-";

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

    // A tenant's shard holds only that tenant's ids; the tenant registry only tenant ids; the approval registry only
    // approval ids (tenant/name) of any tenant.
    private void EnsureSameTenant(string id)
    {
        var key = this.GetPrimaryKeyString();
        if (key.StartsWith(TenantRegistryPrefix, StringComparison.Ordinal))
        {
            MeshException.ThrowIfInvalid(MeshKey.IsValidTenant(id), $"'{id}' is not a tenant id, so it cannot join the registry of tenants.");
            return;
        }

        if (key.StartsWith(ApprovalRegistryPrefix, StringComparison.Ordinal))
        {
            MeshException.ThrowIfInvalid(MeshKey.TryParse(id, out _, out _), $"'{id}' is not an approval id (tenant/name), so it cannot join the registry of pending approvals.");
            return;
        }

        MeshException.ThrowIfInvalid(MeshKey.TenantOf(id) is { } tenant && tenant == MeshKey.TenantOf(key), $"'{id}' does not belong to this tenant's index.");
    }
}
