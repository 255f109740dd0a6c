using Mesh.Contracts.Agents;
using Mesh.Contracts.Decisions;
using Mesh.Testing;

namespace Mesh.Grains.Tests.RateLimiting;

[Collection(ClusterCollection.Name)]
public sealed class RateLimitTests(MeshCluster mesh)
{
    private async Task<TestAgent> AgentAsync(AgentRegistration registration, string policy = TestPolicies.AllowAll)
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(policy);
        return await scenario.RegisterAsync("bot", registration);
    }

    [Fact]
    public async Task The_agent_limit_denies_with_a_retry_after_that_is_accurate()
    {
        var agent = await AgentAsync(new AgentRegistration().Limited(2, TimeSpan.FromMinutes(1)));

        var first = await agent.DecideAsync("shell", "exec", "ls");
        var second = await agent.DecideAsync("http", "get", "https://api.example.com/");
        var third = await agent.DecideAsync("shell", "exec", "ls");

        Assert.Equal(Effect.Allow, first.Effect);
        Assert.Equal(Effect.Allow, second.Effect);
        Assert.Equal(ReasonCode.RateLimited, third.Reason);
        Assert.Equal(TimeSpan.FromSeconds(30), third.RetryAfter);

        mesh.Clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(ReasonCode.RateLimited, (await agent.DecideAsync("shell", "exec", "ls")).Reason);
        mesh.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(Effect.Allow, (await agent.DecideAsync("shell", "exec", "ls")).Effect);
    }

    [Fact]
    public async Task A_tool_limit_applies_to_that_tool_only()
    {
        var agent = await AgentAsync(new AgentRegistration().LimitedTool("http", 1, TimeSpan.FromSeconds(10)));

        Assert.Equal(Effect.Allow, (await agent.DecideAsync("http", "get", "https://api.example.com/")).Effect);
        var limited = await agent.DecideAsync("http", "get", "https://api.example.com/");
        Assert.Equal(Effect.Allow, (await agent.DecideAsync("shell", "exec", "ls")).Effect);

        Assert.Equal(ReasonCode.RateLimited, limited.Reason);
        Assert.Equal(TimeSpan.FromSeconds(10), limited.RetryAfter);
    }

    [Fact]
    public async Task A_policy_rule_limit_applies_per_agent_and_tool()
    {
        var policy = TestPolicies.Of("""
              - id: search
                effect: allow
                match:
                  tools: [search, fetch]
                limits:
                  rate: 1
                  per: 1m
            """);
        var agent = await AgentAsync(new AgentRegistration(), policy);

        Assert.Equal(Effect.Allow, (await agent.DecideAsync("search", "query", "q")).Effect);
        Assert.Equal(Effect.Allow, (await agent.DecideAsync("fetch", "get", "https://api.example.com/")).Effect);
        var limited = await agent.DecideAsync("search", "query", "q");

        Assert.Equal(ReasonCode.RateLimited, limited.Reason);
        Assert.Equal("search", limited.RuleId);
    }

    [Fact]
    public async Task A_limited_request_takes_no_token()
    {
        // Tool bucket empty, agent bucket not: the denied http call must not drain the agent bucket.
        var agent = await AgentAsync(new AgentRegistration().Limited(2, TimeSpan.FromMinutes(1)).LimitedTool("http", 1, TimeSpan.FromMinutes(1)));

        Assert.Equal(Effect.Allow, (await agent.DecideAsync("http", "get", "https://api.example.com/")).Effect);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(ReasonCode.RateLimited, (await agent.DecideAsync("http", "get", "https://api.example.com/")).Reason);
        }

        Assert.Equal(Effect.Allow, (await agent.DecideAsync("shell", "exec", "ls")).Effect);
    }
}
