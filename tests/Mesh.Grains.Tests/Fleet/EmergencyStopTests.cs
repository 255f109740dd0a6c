using Mesh.Contracts.Decisions;
using Mesh.Contracts.Fleet;
using Mesh.Grains.Hosting;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Fleet;

[Collection(ClusterCollection.Name)]
public sealed class EmergencyStopTests(MeshCluster mesh)
{
    [Fact]
    public async Task The_emergency_stop_denies_every_agent_of_every_tenant_until_released()
    {
        var first = new Scenario(mesh.Operator, mesh.Client);
        var second = new Scenario(mesh.Operator, mesh.Client);
        await first.PublishAsync(TestPolicies.AllowAll);
        await second.PublishAsync(TestPolicies.AllowAll);
        var a = await first.RegisterAsync("a");
        var b = await second.RegisterAsync("b");
        await mesh.SpreadOverSilosAsync([a.Runtime, b.Runtime]);
        var fleet = mesh.OperatorOn(1).GetGrain<IFleetGrain>(IFleetGrain.Key);

        try
        {
            OperatorActor.Set("oncall@acme");
            var status = await fleet.EngageEmergencyStop("runaway agents");

            Assert.True(status.EmergencyStop);
            Assert.Equal("oncall@acme", status.ChangedBy);
            Assert.Equal(ReasonCode.EmergencyStop, (await a.DecideAsync("shell", "exec", "ls")).Reason);
            Assert.Equal(ReasonCode.EmergencyStop, (await b.DecideAsync("shell", "exec", "ls")).Reason);
        }
        finally
        {
            await fleet.ReleaseEmergencyStop(null);
        }

        Assert.Equal(Effect.Allow, (await a.DecideAsync("shell", "exec", "ls")).Effect);

        // Both changes are on record in the fleet-wide stream, engaged by the operator, with their receipts.
        var fleetRecords = new List<Mesh.Grains.Audit.AuditRecord>();
        await foreach (var row in mesh.AuditStore.ReadChainsAsync(Mesh.Grains.Audit.AuditText.SystemStream, CancellationToken.None))
        {
            fleetRecords.Add(Mesh.Grains.Audit.AuditCodec.Decode(row.Body));
        }

        var engaged = fleetRecords[^2];
        Assert.Equal("fleet.emergency_stop", engaged.Detail["action"]);
        Assert.Equal("oncall@acme", engaged.Actor);
        Assert.Equal("runaway agents", engaged.Detail["reason"]);
        Assert.Equal("true", engaged.Detail["receipt.complete"]);
        Assert.Equal("fleet.release_emergency_stop", fleetRecords[^1].Detail["action"]);
    }
}
