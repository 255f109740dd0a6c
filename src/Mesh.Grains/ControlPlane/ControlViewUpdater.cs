using Mesh.Grains.Policies;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// Applies control-plane changes to this silo's view, after fetching what they need: a tenant gate that names a
/// policy version is applied only once that version is compiled in this silo's cache, so the first decision under
/// a new policy makes no grain call, and an acknowledged activation is one every decision here already uses.
/// </summary>
internal sealed class ControlViewUpdater(SiloControlView view, PolicyCache policies)
{
    public async Task ApplyAsync(ControlChange change)
    {
        await PrepareAsync(change);
        view.Apply(change);
    }

    public async Task ApplyAsync(ControlSync sync, DateTimeOffset startedAt)
    {
        if (!sync.Changes.IsDefaultOrEmpty)
        {
            await Task.WhenAll(sync.Changes.Select(PrepareAsync));
            foreach (var change in sync.Changes)
            {
                view.Apply(change);
            }
        }

        view.Confirm(sync.Epoch, startedAt);
    }

    private async Task PrepareAsync(ControlChange change)
    {
        if (change is { Tenant: { } tenant, Gate: { } gate })
        {
            await policies.GetAsync(tenant, gate.PolicyVersion);
            if (gate.ShadowVersion != 0)
            {
                await policies.GetAsync(tenant, gate.ShadowVersion);
            }
        }
    }
}
