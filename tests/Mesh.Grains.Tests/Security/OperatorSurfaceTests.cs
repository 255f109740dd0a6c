using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tenants;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Security;

[Collection(ClusterCollection.Name)]
public sealed class OperatorSurfaceTests(MeshCluster mesh)
{
    [Fact]
    public async Task Client_cannot_call_operator_methods()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.IssueCredentialAsync("cred");
        var agent = await scenario.RegisterAsync("bot", Registrations.With(credentials: [scenario.Id("cred")]));
        var client = mesh.Client;

        var refused = new Func<Task>[]
        {
            () => client.GetGrain<IAgentGrain>(scenario.Id("other")).Register(new AgentRegistration()),
            () => client.GetGrain<IAgentGrain>(agent.AgentId).Pause("x"),
            () => client.GetGrain<IAgentGrain>(agent.AgentId).Resume(),
            () => client.GetGrain<IAgentGrain>(agent.AgentId).RotateToken(),
            () => client.GetGrain<ICredentialGrain>(scenario.Id("cred")).Revoke("x"),
            () => client.GetGrain<ICredentialGrain>(scenario.Id("cred")).Issue(new CredentialSpec()),
            () => client.GetGrain<ICredentialGrain>(scenario.Id("cred")).Check("t", "o", null).AsTask(),
            () => client.GetGrain<ITenantGrain>(scenario.Tenant).Pause("x"),
            () => client.GetGrain<ITenantGrain>(scenario.Tenant).PublishPolicy(TestPolicies.AllowAll),
            () => client.GetGrain<IApprovalGrain>(scenario.Id("apr-1")).Vote(new ApprovalVote { ApproverId = "me", Approve = true }),
        };

        foreach (var call in refused)
        {
            var error = await Assert.ThrowsAsync<MeshException>(call);
            Assert.Equal(MeshErrorCode.AccessDenied, error.Code);
        }

        // Nothing the refused calls tried took effect.
        var info = await agent.Operator.GetInfo();
        Assert.Equal(AgentStatus.Active, info.Status);
        Assert.Equal(CredentialStatus.Active, (await scenario.Credential("cred").GetInfo()).Status);
        Assert.False((await scenario.TenantGrain.GetInfo()).Paused);
    }

    [Fact]
    public async Task Client_cannot_list_the_fleets_activations_or_forge_a_reminder_tick_and_silos_still_can()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of("  - id: ask\n    effect: require_approval\n    approval: { groups: [ops] }\n"));
        var agent = await scenario.RegisterAsync("bot");
        var asked = await agent.DecideAsync("deploy", "run", "prod");
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromMinutes(1), DateTime.UtcNow);

        var refused = new Func<Task>[]
        {
            () => mesh.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(),
            () => mesh.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(mesh.Client.GetGrain<IAgentGrain>(agent.AgentId)).AsTask(),
            () => mesh.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero),
            () => mesh.Client.GetGrain<IApprovalGrain>(asked.ApprovalId!).AsReference<IRemindable>().ReceiveReminder("deadline", tick),
        };

        foreach (var call in refused)
        {
            var error = await Assert.ThrowsAsync<MeshException>(call);
            Assert.Equal(MeshErrorCode.AccessDenied, error.Code);
        }

        // The same calls from a silo (stamped as operator calls) are served.
        Assert.NotEmpty(await mesh.Operator.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true));
        await mesh.Operator.GetGrain<IApprovalGrain>(asked.ApprovalId!).AsReference<IRemindable>().ReceiveReminder("deadline", tick);
        Assert.Equal(ApprovalStatus.Pending, (await mesh.Operator.GetGrain<IApprovalGrain>(asked.ApprovalId!).Get()).Status);
    }

    [Fact]
    public async Task Client_can_call_the_runtime_surface()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");

        var decision = await mesh.Client.GetGrain<IAgentGrain>(agent.AgentId).Decide(agent.Request("shell", "exec", "ls"));
        var receipt = await mesh.Client.GetGrain<IAgentGrain>(agent.AgentId).ReportOutcome(new OutcomeReport
        {
            RequestId = decision.RequestId,
            AgentId = agent.AgentId,
            AgentToken = agent.Token,
            Success = true,
        });

        Assert.Equal(Effect.Allow, decision.Effect);
        Assert.True(receipt.Accepted);
    }

    [Fact]
    public async Task Operator_calls_work_from_every_silo()
    {
        for (var silo = 0; silo < mesh.Cluster.Silos.Count; silo++)
        {
            var scenario = new Scenario(mesh.OperatorOn(silo), mesh.Client);
            var publication = await scenario.PublishAsync(TestPolicies.AllowAll);
            Assert.Equal(1, publication.Version);
        }
    }
}
