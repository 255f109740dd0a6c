using Mesh.Grains.Hosting;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Tenants;

[Collection(ClusterCollection.Name)]
public sealed class TenantPauseTests(MeshCluster mesh)
{
    [Fact]
    public async Task Resuming_a_tenant_clears_who_paused_it_and_why()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        OperatorActor.Set("alice");
        var paused = await scenario.TenantGrain.Pause("incident 42");
        OperatorActor.Set("bob");

        var resumed = await scenario.TenantGrain.Resume();
        var shown = await scenario.TenantGrain.GetInfo();

        Assert.Equal(("alice", "incident 42"), (paused.PausedBy, paused.PauseReason));
        foreach (var info in new[] { resumed, shown })
        {
            Assert.False(info.Paused);
            Assert.Null(info.PausedBy);
            Assert.Null(info.PauseReason);
        }
    }
}
