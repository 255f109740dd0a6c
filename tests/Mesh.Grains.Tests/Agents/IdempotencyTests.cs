using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Agents;

[Collection(ClusterCollection.Name)]
public sealed class IdempotencyTests(MeshCluster mesh)
{
    [Fact]
    public async Task The_same_request_id_returns_the_same_decision_and_takes_no_second_token()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot", new AgentRegistration().Limited(1, TimeSpan.FromMinutes(1)));
        var request = agent.Request("shell", "exec", "ls");

        var first = await agent.DecideAsync(request);
        mesh.Clock.Advance(TimeSpan.FromSeconds(1));
        var retry = await agent.DecideAsync(request);
        var fresh = await agent.DecideAsync("shell", "exec", "ls");

        Assert.Equal(Effect.Allow, first.Effect);
        // The same answer, marked as a replay; each answer is its own audit record.
        Assert.False(first.Replayed);
        Assert.Equal(first with { AuditId = null, Replayed = true }, retry with { AuditId = null });
        Assert.NotEqual(first.AuditId, retry.AuditId);
        Assert.Equal(ReasonCode.RateLimited, fresh.Reason);
    }

    [Fact]
    public async Task Reusing_a_request_id_for_a_different_request_is_denied()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");
        var request = agent.Request("shell", "exec", "ls");
        await agent.DecideAsync(request);

        var reused = await agent.DecideAsync(request with { Target = "cat /etc/shadow" });

        Assert.Equal(ReasonCode.RequestIdReused, reused.Reason);
    }

    [Fact]
    public async Task A_retried_request_never_opens_a_second_approval()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of("""
              - id: ask
                effect: require_approval
                approval:
                  groups: [ops]
            """));
        var agent = await scenario.RegisterAsync("bot");
        var request = agent.Request("deploy", "run", "prod");

        var first = await agent.DecideAsync(request);
        var retry = await agent.DecideAsync(request);
        await mesh.Cluster.DeactivateAsync(agent.Runtime);
        var afterReactivation = await agent.DecideAsync(request);

        Assert.Equal(Effect.RequireApproval, first.Effect);
        // The same answer; each answer is its own audit record.
        Assert.Equal(first with { AuditId = null }, retry with { AuditId = null });
        Assert.NotEqual(first.AuditId, retry.AuditId);
        Assert.Equal(first.ApprovalId, afterReactivation.ApprovalId);
        var approval = await mesh.Operator.GetGrain<IApprovalGrain>(first.ApprovalId!).Get();
        Assert.Equal(1, approval.Revision);
    }

    [Fact]
    public async Task A_cached_allow_is_not_replayed_after_a_revocation_or_pause()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await scenario.IssueCredentialAsync("gh");
        var agent = await scenario.RegisterAsync("bot", Registrations.With(credentials: [scenario.Id("gh")]));
        var request = agent.Request("git", "push", "x", scenario.Id("gh"));
        Assert.Equal(Effect.Allow, (await agent.DecideAsync(request)).Effect);

        await scenario.Credential("gh").Revoke(null);
        var afterRevoke = await agent.DecideAsync(request);
        await agent.Operator.Pause(null);
        var afterPause = await agent.DecideAsync(request);

        Assert.Equal(ReasonCode.CredentialRevoked, afterRevoke.Reason);
        Assert.Equal(ReasonCode.AgentPaused, afterPause.Reason);
    }

    [Fact]
    public async Task A_cached_allow_is_replayed_only_within_its_window()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot", new AgentRegistration().Limited(1, TimeSpan.FromHours(1)));
        var request = agent.Request("shell", "exec", "ls");
        Assert.Equal(Effect.Allow, (await agent.DecideAsync(request)).Effect);

        mesh.Clock.Advance(TimeSpan.FromMinutes(2));
        var late = await agent.DecideAsync(request);

        // Past the window the retry is decided afresh: the one-per-hour limit is already spent.
        Assert.Equal(ReasonCode.RateLimited, late.Reason);
    }

    [Fact]
    public async Task A_cached_allow_is_not_replayed_after_the_policy_changed()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot", new AgentRegistration().Limited(1, TimeSpan.FromHours(1)));
        var request = agent.Request("shell", "exec", "ls");
        var first = await agent.DecideAsync(request);

        await scenario.PublishAsync(TestPolicies.AllowAll.Replace("allow-all", "allow-everything", StringComparison.Ordinal));
        var retry = await agent.DecideAsync(request);

        Assert.Equal(Effect.Allow, first.Effect);
        Assert.Equal(ReasonCode.RateLimited, retry.Reason);
        Assert.False(retry.Replayed);
    }
}
