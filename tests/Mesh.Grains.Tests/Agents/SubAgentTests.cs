using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Agents;

[Collection(ClusterCollection.Name)]
public sealed class SubAgentTests(MeshCluster mesh)
{
    private const string Policy = """
          - id: devs-use-git
            effect: allow
            match:
              tools: [git]
              roles: [dev]
          - id: contractors-never-push-main
            effect: deny
            match:
              tools: [git]
              operations: [push]
              targets: ["*/main"]
              roles: [contractor]
          - id: deploys-need-approval
            description: Contractors deploy only with SRE approval.
            effect: require_approval
            match:
              tools: [deploy]
              roles: [contractor]
            approval:
              groups: [sre]
          - id: devs-deploy
            effect: allow
            match:
              tools: [deploy]
              roles: [dev]
        """;

    private async Task<(Scenario Scenario, TestAgent Parent)> SetUpAsync(string[] parentRoles)
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of(Policy));
        await scenario.IssueCredentialAsync("gh");
        await scenario.IssueCredentialAsync("prod");
        var parent = await scenario.RegisterAsync("lead", Registrations.With(roles: parentRoles, credentials: [scenario.Id("gh")]));
        return (scenario, parent);
    }

    [Fact]
    public async Task A_sub_agent_cannot_be_granted_more_than_its_parent()
    {
        var (scenario, parent) = await SetUpAsync(["dev"]);

        var extraRole = await Assert.ThrowsAsync<MeshException>(() => scenario.RegisterAsync("sub", Registrations.With(roles: ["dev", "admin"], parent: parent.AgentId)));
        var extraCredential = await Assert.ThrowsAsync<MeshException>(() => scenario.RegisterAsync("sub", Registrations.With(roles: ["dev"], credentials: [scenario.Id("prod")], parent: parent.AgentId)));

        Assert.Contains("admin", extraRole.Message, StringComparison.Ordinal);
        Assert.Contains("prod", extraCredential.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sub_agent_is_allowed_only_while_its_parent_would_be()
    {
        var (scenario, parent) = await SetUpAsync(["dev"]);
        var child = await scenario.RegisterAsync("sub", Registrations.With(roles: ["dev"], credentials: [scenario.Id("gh")], parent: parent.AgentId));

        var allowed = await child.DecideAsync("git", "push", "acme/feature", scenario.Id("gh"));
        await parent.Operator.Pause("parent stopped");
        var parentPaused = await child.DecideAsync("git", "push", "acme/feature", scenario.Id("gh"));

        Assert.Equal(Effect.Allow, allowed.Effect);
        Assert.Equal(ReasonCode.ParentDenied, parentPaused.Reason);
    }

    [Fact]
    public async Task A_deny_that_applies_to_the_parent_bounds_the_child()
    {
        // The parent is a dev and a contractor: contractors may never push to main. The child is only a dev, so
        // policy alone would allow it, but a sub-agent can never do what its parent may not.
        var (scenario, parent) = await SetUpAsync(["dev", "contractor"]);
        var child = await scenario.RegisterAsync("sub", Registrations.With(roles: ["dev"], parent: parent.AgentId));

        var decision = await child.DecideAsync("git", "push", "acme/main");

        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(ReasonCode.ParentDenied, decision.Reason);
        Assert.Equal("contractors-never-push-main", decision.RuleId);
    }

    [Fact]
    public async Task When_the_parent_would_need_approval_the_child_needs_it_too()
    {
        var (scenario, parent) = await SetUpAsync(["dev", "contractor"]);
        var child = await scenario.RegisterAsync("sub", Registrations.With(roles: ["dev"], parent: parent.AgentId));

        var decision = await child.DecideAsync("deploy", "run", "prod");
        var parentDecision = await parent.DecideAsync("deploy", "run", "prod");

        Assert.Equal(Effect.RequireApproval, decision.Effect);
        Assert.Equal("deploys-need-approval", decision.RuleId);
        // The approver is shown a rule's description only when the rule is the requesting agent's own.
        var childSubject = (await mesh.Operator.GetGrain<IApprovalGrain>(decision.ApprovalId!).Get()).Subject!;
        var parentSubject = (await mesh.Operator.GetGrain<IApprovalGrain>(parentDecision.ApprovalId!).Get()).Subject!;
        Assert.Equal("deploys-need-approval", childSubject.RuleId);
        Assert.Null(childSubject.RuleDescription);
        Assert.Equal("Contractors deploy only with SRE approval.", parentSubject.RuleDescription);
    }

    [Fact]
    public async Task Bounds_apply_up_the_whole_chain()
    {
        var (scenario, root) = await SetUpAsync(["dev"]);
        var middle = await scenario.RegisterAsync("middle", Registrations.With(roles: ["dev"], parent: root.AgentId));
        var leaf = await scenario.RegisterAsync("leaf", Registrations.With(roles: ["dev"], parent: middle.AgentId));

        Assert.Equal(Effect.Allow, (await leaf.DecideAsync("git", "pull", "acme/app")).Effect);
        await root.Operator.Quarantine(null);

        Assert.Equal(ReasonCode.ParentDenied, (await leaf.DecideAsync("git", "pull", "acme/app")).Reason);
    }
}
