using Mesh.Contracts.Approvals;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Tenants;

[Collection(ClusterCollection.Name)]
public sealed class TenantIndexTests(MeshCluster mesh)
{
    [Fact]
    public async Task The_tenant_lists_its_agents_and_its_pending_approvals()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of("  - id: ask\n    effect: require_approval\n    approval: { groups: [ops] }\n"));
        var a = await scenario.RegisterAsync("a");
        await scenario.RegisterAsync("b");

        var first = await a.DecideAsync("deploy", "run", "prod");
        var second = await a.DecideAsync("deploy", "run", "staging");
        var pending = await scenario.TenantGrain.ListPendingApprovals();
        await mesh.Operator.GetGrain<IApprovalGrain>(first.ApprovalId!).Vote(new ApprovalVote { ApproverId = "sam", ApproverGroups = ["ops"], Approve = true });
        var afterVote = await scenario.TenantGrain.ListPendingApprovals();

        Assert.Equal([scenario.Id("a"), scenario.Id("b")], (await scenario.TenantGrain.ListAgents()).ToArray());
        Assert.Equal(new[] { first.ApprovalId!, second.ApprovalId! }.Order(StringComparer.Ordinal), pending.ToArray());
        Assert.Equal([second.ApprovalId!], afterVote.ToArray());
    }
}
