using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Policies;

[Collection(ClusterCollection.Name)]
public sealed class PolicyLanguageTests(MeshCluster mesh)
{
    private async Task<(Scenario Scenario, TestAgent Agent)> AgentWithAsync(string rules, string[]? roles = null, string[]? credentials = null)
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of(rules));
        var agent = await scenario.RegisterAsync("bot", Registrations.With(roles: roles, credentials: credentials));
        return (scenario, agent);
    }

    [Fact]
    public async Task The_destination_guard_blocks_internal_targets_and_returns_checked_addresses()
    {
        var (_, agent) = await AgentWithAsync("  - id: web\n    effect: allow\n    match: { tools: [http] }\n");

        var metadata = await agent.DecideAsync("http", "get", "http://169.254.169.254/latest/meta-data/");
        var decimalSpelling = await agent.DecideAsync("http", "get", "http://2852039166/");
        var rebinding = await agent.DecideAsync("http", "get", "https://rebind.example.com/");
        var unresolvable = await agent.DecideAsync("http", "get", "https://nowhere.invalid/");
        var publicSite = await agent.DecideAsync("http", "get", "https://api.example.com/v1");

        Assert.Equal(ReasonCode.DestinationBlocked, metadata.Reason);
        Assert.Equal(ReasonCode.DestinationBlocked, decimalSpelling.Reason);
        Assert.Equal(ReasonCode.DestinationBlocked, rebinding.Reason);
        Assert.Equal(ReasonCode.DestinationBlocked, unresolvable.Reason);
        Assert.Equal(Effect.Allow, publicSite.Effect);
        Assert.Equal(["93.184.216.34"], publicSite.ResolvedAddresses.ToArray());
    }

    [Fact]
    public async Task A_rule_can_open_the_private_network_deliberately()
    {
        var (_, agent) = await AgentWithAsync("""
              - id: intranet
                effect: allow
                match: { tools: [http], targets: ["https://intranet.acme.test/*"] }
                open_destinations: [private]
              - id: web
                effect: allow
                match: { tools: [http] }
            """);

        var intranet = await agent.DecideAsync("http", "get", "https://intranet.acme.test/wiki");
        var metadata = await agent.DecideAsync("http", "get", "http://169.254.169.254/");

        Assert.Equal(Effect.Allow, intranet.Effect);
        Assert.Equal("intranet", intranet.RuleId);
        Assert.Equal(ReasonCode.DestinationBlocked, metadata.Reason);
    }

    [Fact]
    public async Task Session_labels_make_later_requests_stricter_in_that_session_only()
    {
        var (_, agent) = await AgentWithAsync("""
              - id: read
                effect: allow
                match: { tools: [files] }
              - id: web
                effect: allow
                match: { tools: [http] }
              - id: no-exfiltration
                effect: deny
                match: { tools: [http], operations: [post] }
                when: session.max_label >= "confidential"
            """);
        ActionRequest In(string session, ActionRequest request) => request with { SessionId = session };

        var read = await agent.DecideAsync(In("s1", agent.Request("files", "read", "/hr/salaries.csv") with { DataLabels = ["confidential"] }));
        var postSameSession = await agent.DecideAsync(In("s1", agent.Request("http", "post", "https://api.example.com/upload")));
        var postOtherSession = await agent.DecideAsync(In("s2", agent.Request("http", "post", "https://api.example.com/upload")));

        Assert.Equal(Effect.Allow, read.Effect);
        Assert.Equal("no-exfiltration", postSameSession.RuleId);
        Assert.Equal(Effect.Deny, postSameSession.Effect);
        Assert.Equal(Effect.Allow, postOtherSession.Effect);
    }

    [Fact]
    public async Task Missing_evidence_is_denied_with_the_missing_keys()
    {
        var (_, agent) = await AgentWithAsync("  - id: merge\n    effect: allow\n    match: { tools: [git] }\n    evidence: [ci_run, review]\n");

        var missing = await agent.DecideAsync(agent.Request("git", "merge", "acme/app") with { Evidence = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("ci_run", "7") });
        var complete = await agent.DecideAsync(agent.Request("git", "merge", "acme/app") with { Evidence = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("ci_run", "7").Add("review", "ok") });

        Assert.Equal(ReasonCode.EvidenceMissing, missing.Reason);
        Assert.Equal(["review"], missing.MissingEvidence.ToArray());
        Assert.Equal(Effect.Allow, complete.Effect);
    }

    [Fact]
    public async Task A_per_credential_limit_holds_across_the_agents_sharing_it()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of("  - id: pay\n    effect: allow\n    match: { tools: [payments] }\n    limits: { per_credential: \"2/1h\" }\n"));
        await scenario.IssueCredentialAsync("card");
        var a = await scenario.RegisterAsync("a", Registrations.With(credentials: [scenario.Id("card")]));
        var b = await scenario.RegisterAsync("b", Registrations.With(credentials: [scenario.Id("card")]));
        await mesh.SpreadOverSilosAsync([a.Runtime, b.Runtime]);

        var first = await a.DecideAsync("payments", "charge", "x", scenario.Id("card"));
        var second = await b.DecideAsync("payments", "charge", "x", scenario.Id("card"));
        var third = await a.DecideAsync("payments", "charge", "x", scenario.Id("card"));

        Assert.Equal(Effect.Allow, first.Effect);
        Assert.Equal(Effect.Allow, second.Effect);
        Assert.Equal(ReasonCode.RateLimited, third.Reason);
    }

    [Fact]
    public async Task Rollback_reactivates_an_earlier_version_and_decisions_name_it()
    {
        var (scenario, agent) = await AgentWithAsync("  - id: web\n    effect: allow\n    match: { tools: [http] }\n");
        await scenario.PublishAsync(TestPolicies.Of("  - id: nothing\n    effect: deny\n    match: { tools: [http] }\n"));
        var denied = await agent.DecideAsync("http", "get", "https://api.example.com/");

        var rollback = await scenario.TenantGrain.RollbackPolicy(1);
        var allowed = await agent.DecideAsync("http", "get", "https://api.example.com/");
        var versions = await scenario.TenantGrain.ListPolicyVersions();
        var missing = await Assert.ThrowsAsync<MeshException>(() => scenario.TenantGrain.RollbackPolicy(9));

        Assert.Equal(2, denied.PolicyVersion);
        Assert.Equal(1, rollback.Version);
        Assert.Equal(Effect.Allow, allowed.Effect);
        Assert.Equal(1, allowed.PolicyVersion);
        Assert.True(versions[0].Active);
        Assert.Equal(MeshErrorCode.NotFound, missing.Code);
    }

    [Fact]
    public async Task A_shadow_policy_is_evaluated_and_reported_but_never_enforced()
    {
        var (scenario, agent) = await AgentWithAsync("  - id: web\n    effect: allow\n    match: { tools: [http] }\n");
        var shadow = await scenario.TenantGrain.StartShadow(TestPolicies.Of("  - id: web-get-only\n    effect: allow\n    match: { tools: [http], operations: [get] }\n"));

        var get = await agent.DecideAsync("http", "get", "https://api.example.com/");
        var post = await agent.DecideAsync("http", "post", "https://api.example.com/");
        var report = mesh.Operator.GetGrain<Contracts.Shadow.IShadowReportGrain>(scenario.Tenant);
        await Poll.UntilAsync(async () => (await report.GetReport()).Differences == 1, TimeSpan.FromSeconds(30), "the shadow difference to be reported");
        var result = await report.GetReport();

        Assert.Equal(Effect.Allow, get.Effect);
        Assert.Equal(Effect.Allow, post.Effect);
        Assert.Equal(1, get.PolicyVersion);
        Assert.Equal(shadow.Version, result.ShadowVersion);
        Assert.Equal(1, result.ByChange["allow -> deny"]);
        Assert.Equal(post.RequestId, Assert.Single(result.Examples).RequestId);
        await scenario.TenantGrain.StopShadow();
        Assert.Equal(0, (await scenario.TenantGrain.GetInfo()).ShadowPolicyVersion);
    }

    [Fact]
    public async Task Conditions_see_the_agent_and_the_request()
    {
        var (_, agent) = await AgentWithAsync("""
              - id: release-from-main
                effect: allow
                match: { tools: [deploy] }
                when: '"release" in agent.roles && request.attributes.branch == "main"'
            """, roles: ["release"]);

        var main = await agent.DecideAsync(agent.Request("deploy", "run", "prod") with { Attributes = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("branch", "main") });
        var feature = await agent.DecideAsync(agent.Request("deploy", "run", "prod") with { Attributes = System.Collections.Immutable.ImmutableDictionary<string, string>.Empty.Add("branch", "feature") });

        Assert.Equal(Effect.Allow, main.Effect);
        Assert.Equal(ReasonCode.Default, feature.Reason);
    }
}
