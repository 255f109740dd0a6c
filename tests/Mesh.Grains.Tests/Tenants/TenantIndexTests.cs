using Mesh.Contracts.Approvals;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Tenants;
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

    [Fact]
    public async Task The_fleet_wide_registry_holds_every_tenants_pending_approvals_until_they_are_decided()
    {
        var acme = new Scenario(mesh.Operator, mesh.Client);
        var globex = new Scenario(mesh.Operator, mesh.Client);
        var asks = TestPolicies.Of("  - id: ask\n    effect: require_approval\n    approval: { groups: [ops] }\n");
        await acme.PublishAsync(asks);
        await globex.PublishAsync(asks);
        var fromAcme = await (await acme.RegisterAsync("a")).DecideAsync("deploy", "run", "prod");
        var fromGlobex = await (await globex.RegisterAsync("g")).DecideAsync("deploy", "run", "prod");

        var pending = await TenantRegistry.ListPendingApprovalsAsync(mesh.Operator);
        await mesh.Operator.GetGrain<IApprovalGrain>(fromAcme.ApprovalId!).Vote(new ApprovalVote { ApproverId = "sam", ApproverGroups = ["ops"], Approve = false });
        var afterDeny = await TenantRegistry.ListPendingApprovalsAsync(mesh.Operator);
        var registry = mesh.Operator.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.RegistryKeyFor(ITenantIndexGrain.Approvals, "acme"));
        var notAnApproval = await Assert.ThrowsAsync<MeshException>(() => registry.Add("acme"));

        Assert.Contains(fromAcme.ApprovalId!, pending);
        Assert.Contains(fromGlobex.ApprovalId!, pending);
        Assert.DoesNotContain(fromAcme.ApprovalId!, afterDeny);
        Assert.Contains(fromGlobex.ApprovalId!, afterDeny);
        Assert.Equal(MeshErrorCode.InvalidArgument, notAnApproval.Code);
    }

    [Fact]
    public async Task Issued_credentials_are_listed_and_their_tenant_registered_before_the_issue_returns()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.IssueCredentialAsync("zeta");
        await scenario.IssueCredentialAsync("alpha");
        await scenario.Credential("alpha").Rotate(null);

        var credentials = await scenario.TenantGrain.ListCredentials();
        var tenants = await TenantRegistry.ListAsync(mesh.Operator);

        Assert.Equal([scenario.Id("alpha"), scenario.Id("zeta")], credentials.ToArray());
        Assert.Contains(scenario.Tenant, tenants);
        Assert.Equal(tenants.Order(StringComparer.Ordinal), tenants);
    }

    [Fact]
    public async Task Registering_agents_publishing_and_pausing_register_the_tenant_once()
    {
        var byAgent = new Scenario(mesh.Operator, mesh.Client);
        var byPolicy = new Scenario(mesh.Operator, mesh.Client);
        var byPause = new Scenario(mesh.Operator, mesh.Client);
        await byAgent.RegisterAsync("a");
        await byAgent.RegisterAsync("b");
        await byPolicy.PublishAsync(TestPolicies.AllowAll);
        await byPause.TenantGrain.Pause("drill");
        await byPause.TenantGrain.Pause("again");

        var tenants = await TenantRegistry.ListAsync(mesh.Operator);

        Assert.Single(tenants, byAgent.Tenant);
        Assert.Single(tenants, byPolicy.Tenant);
        Assert.Single(tenants, byPause.Tenant);
    }

    [Fact]
    public async Task The_registry_holds_only_tenant_ids_and_a_tenants_index_only_its_own_ids()
    {
        var registry = mesh.Operator.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.RegistryKeyFor(ITenantIndexGrain.Tenants, "acme/bot"));
        var index = mesh.Operator.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyFor("acme", ITenantIndexGrain.Credentials, "acme"));

        var notATenant = await Assert.ThrowsAsync<MeshException>(() => registry.Add("acme/bot"));
        var bareTenant = await Assert.ThrowsAsync<MeshException>(() => index.Add("acme"));

        Assert.Equal(MeshErrorCode.InvalidArgument, notATenant.Code);
        Assert.Equal(MeshErrorCode.InvalidArgument, bareTenant.Code);
        Assert.False(MeshKey.IsValidTenant(ITenantIndexGrain.RegistryOwner));
    }
}
