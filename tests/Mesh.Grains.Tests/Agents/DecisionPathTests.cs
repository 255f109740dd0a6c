using Mesh.Contracts.Decisions;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Agents;

[Collection(ClusterCollection.Name)]
public sealed class DecisionPathTests(MeshCluster mesh)
{
    private const string ShellPolicy = """
          - id: shell-read
            effect: allow
            match:
              tools: [shell]
              operations: [exec]
              targets: ["ls*", "cat *"]
          - id: no-rm
            effect: deny
            match:
              tools: [shell]
              targets: ["rm*"]
          - id: shell-any
            effect: allow
            match:
              tools: [shell]
              roles: [admin]
        """;

    private Scenario NewScenario() => new(mesh.Operator, mesh.Client);

    [Fact]
    public async Task A_matching_allow_rule_allows_and_names_rule_and_version()
    {
        var scenario = NewScenario();
        var published = await scenario.PublishAsync(TestPolicies.Of(ShellPolicy));
        var agent = await scenario.RegisterAsync("bot");

        var decision = await agent.DecideAsync("shell", "exec", "ls");

        Assert.Equal(Effect.Allow, decision.Effect);
        Assert.Equal(ReasonCode.Policy, decision.Reason);
        Assert.Equal("shell-read", decision.RuleId);
        Assert.Equal(published.Version, decision.PolicyVersion);
        Assert.Equal(mesh.Clock.GetUtcNow(), decision.DecidedAt);
    }

    [Fact]
    public async Task No_matching_rule_is_a_default_deny()
    {
        var scenario = NewScenario();
        await scenario.PublishAsync(TestPolicies.Of(ShellPolicy));
        var agent = await scenario.RegisterAsync("bot");

        var decision = await agent.DecideAsync("http", "request", "https://example.com");

        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(ReasonCode.Default, decision.Reason);
        Assert.Null(decision.RuleId);
    }

    [Fact]
    public async Task Without_any_policy_everything_is_denied()
    {
        var scenario = NewScenario();
        var agent = await scenario.RegisterAsync("bot");

        var decision = await agent.DecideAsync("shell", "exec", "ls");

        Assert.Equal(ReasonCode.Default, decision.Reason);
        Assert.Equal(0, decision.PolicyVersion);
    }

    [Fact]
    public async Task Deny_wins_over_an_allow_that_also_matches()
    {
        var scenario = NewScenario();
        await scenario.PublishAsync(TestPolicies.Of(ShellPolicy));
        var admin = await scenario.RegisterAsync("admin", Registrations.With(roles: ["admin"]));

        var allowed = await admin.DecideAsync("shell", "exec", "make");
        var denied = await admin.DecideAsync("shell", "exec", "rm -rf /");

        Assert.Equal(Effect.Allow, allowed.Effect);
        Assert.Equal(Effect.Deny, denied.Effect);
        Assert.Equal(ReasonCode.Policy, denied.Reason);
        Assert.Equal("no-rm", denied.RuleId);
    }

    [Fact]
    public async Task Require_approval_wins_over_allow()
    {
        var scenario = NewScenario();
        await scenario.PublishAsync(TestPolicies.Of("""
              - id: allow-all
                effect: allow
              - id: payments-need-approval
                effect: require_approval
                match:
                  tools: [payments]
                approval:
                  groups: [finance]
            """));
        var agent = await scenario.RegisterAsync("bot");

        var decision = await agent.DecideAsync("payments", "charge", "acct-1");

        Assert.Equal(Effect.RequireApproval, decision.Effect);
        Assert.Equal("payments-need-approval", decision.RuleId);
        Assert.NotNull(decision.ApprovalId);
    }

    [Fact]
    public async Task A_published_policy_takes_effect_for_the_next_decision()
    {
        var scenario = NewScenario();
        var agent = await scenario.RegisterAsync("bot");
        Assert.Equal(Effect.Deny, (await agent.DecideAsync("shell", "exec", "ls")).Effect);

        await scenario.PublishAsync(TestPolicies.AllowAll);

        Assert.Equal(Effect.Allow, (await agent.DecideAsync("shell", "exec", "ls")).Effect);
    }
}
