namespace Mesh.Grains.ControlPlane;

/// <summary>Applies changes to the view of the silo it is pinned to.</summary>
[SiloPinnedPlacement]
internal sealed class SiloControlGrain(ControlViewUpdater updater) : Grain, ISiloControlGrain
{
    public Task Apply(ControlChange change) => updater.ApplyAsync(change);
}
