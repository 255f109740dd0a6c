using Mesh.Contracts.Agents;
using Mesh.Contracts.Decisions;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Agents;

[Collection(ClusterCollection.Name)]
public sealed class PauseTests(MeshCluster mesh)
{
    [Fact]
    public async Task A_paused_agent_is_denied_until_resumed()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");

        var paused = await agent.Operator.Pause("runaway loop");
        var whilePaused = await agent.DecideAsync("shell", "exec", "ls");
        await agent.Operator.Resume();
        var afterResume = await agent.DecideAsync("shell", "exec", "ls");

        Assert.Equal(AgentStatus.Paused, paused.Status);
        Assert.Equal(ReasonCode.AgentPaused, whilePaused.Reason);
        Assert.Contains("runaway loop", whilePaused.Message, StringComparison.Ordinal);
        Assert.Equal(Effect.Allow, afterResume.Effect);
    }

    [Fact]
    public async Task A_quarantined_agent_is_denied()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");

        await agent.Operator.Quarantine("exfiltration suspected");

        Assert.Equal(ReasonCode.AgentQuarantined, (await agent.DecideAsync("shell", "exec", "ls")).Reason);
    }

    [Fact]
    public async Task Pausing_a_tenant_denies_every_agent_of_that_tenant_on_every_silo_and_no_other()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        var other = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await other.PublishAsync(TestPolicies.AllowAll);
        var agents = new List<TestAgent>();
        for (var i = 0; i < 4; i++)
        {
            var agent = await scenario.RegisterAsync($"bot{i}");
            await agent.DecideAsync("shell", "exec", "ls");
            agents.Add(agent);
        }

        await mesh.SpreadOverSilosAsync([.. agents.Select(a => a.Runtime)]);
        var outsider = await other.RegisterAsync("bot");

        await mesh.OperatorOn(1).GetGrain<Contracts.Tenants.ITenantGrain>(scenario.Tenant).Pause("incident 42");

        foreach (var agent in agents)
        {
            Assert.Equal(ReasonCode.TenantPaused, (await agent.DecideAsync("shell", "exec", "ls")).Reason);
        }

        Assert.Equal(Effect.Allow, (await outsider.DecideAsync("shell", "exec", "ls")).Effect);
        await scenario.TenantGrain.Resume();
        Assert.Equal(Effect.Allow, (await agents[0].DecideAsync("shell", "exec", "ls")).Effect);
    }
}
