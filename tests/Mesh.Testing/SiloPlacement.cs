namespace Mesh.Testing;

/// <summary>
/// Placement checks that ask the silos themselves. <see cref="MeshCluster.SiloOfAsync"/> reads the grain directory,
/// whose caches can keep naming a grain's old silo for a while after a migration once a cluster has three silos or
/// more; a test that needs grains on given silos confirms the move with the target silo's own activations instead.
/// </summary>
public static class SiloPlacement
{
    /// <summary>
    /// Like <see cref="MeshCluster.SpreadOverSilosAsync"/>: moves grain <c>i</c> to silo <c>i mod silos</c>, and returns
    /// once each one is active on its silo according to that silo.
    /// </summary>
    public static async Task SpreadOverSilosConfirmedAsync(this MeshCluster mesh, IReadOnlyList<IAddressable> grains)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(grains);
        for (var i = 0; i < grains.Count; i++)
        {
            var grain = grains[i];
            var target = mesh.Cluster.Silos[i % mesh.Cluster.Silos.Count].SiloAddress;
            if (!await mesh.IsActiveOnAsync(grain, target))
            {
                await mesh.Cluster.MigrateAsync(grain, target);
                await Poll.UntilAsync(() => mesh.IsActiveOnAsync(grain, target), TimeSpan.FromSeconds(30), $"grain {i} to be active on {target}");
            }
        }
    }

    /// <summary>True when <paramref name="silo"/> itself reports an activation of <paramref name="grain"/>.</summary>
    public static async Task<bool> IsActiveOnAsync(this MeshCluster mesh, IAddressable grain, SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        var id = grain.GetGrainId();
        var activations = await mesh.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(hostsIds: [silo]);
        return activations.Any(a => a.GrainId == id);
    }
}
