using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Credentials;

[Collection(ClusterCollection.Name)]
public sealed class CredentialTests(MeshCluster mesh)
{
    private async Task<(Scenario Scenario, TestAgent Agent, string Credential)> SetUpAsync(string targets = "*", DateTimeOffset? expiresAt = null)
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await scenario.IssueCredentialAsync("gh", tools: "git", targets: targets, expiresAt: expiresAt);
        var agent = await scenario.RegisterAsync("bot", Registrations.With(credentials: [scenario.Id("gh")]));
        return (scenario, agent, scenario.Id("gh"));
    }

    [Fact]
    public async Task A_usable_credential_allows_and_names_its_version()
    {
        var (_, agent, credential) = await SetUpAsync();

        var decision = await agent.DecideAsync("git", "push", "github.com/acme/app", credential);

        Assert.Equal(Effect.Allow, decision.Effect);
        Assert.Equal(1, decision.CredentialVersion);
    }

    [Fact]
    public async Task A_revocation_is_seen_by_the_next_decision_on_every_silo()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await scenario.IssueCredentialAsync("shared");
        var agents = new List<TestAgent>();
        for (var i = 0; i < 6; i++)
        {
            var agent = await scenario.RegisterAsync($"bot{i}", Registrations.With(credentials: [scenario.Id("shared")]));
            Assert.Equal(Effect.Allow, (await agent.DecideAsync("git", "push", "x", scenario.Id("shared"))).Effect);
            agents.Add(agent);
        }

        await mesh.SpreadOverSilosAsync([.. agents.Select(a => a.Runtime)]);
        var silos = new HashSet<Orleans.Runtime.SiloAddress?>();
        foreach (var agent in agents)
        {
            silos.Add(await mesh.SiloOfAsync(agent.Runtime));
        }

        Assert.Equal(mesh.Cluster.Silos.Count, silos.Count);

        // Revoke through the second silo; decide for agents living on every silo.
        await mesh.OperatorOn(1).GetGrain<ICredentialGrain>(scenario.Id("shared")).Revoke("leaked");

        foreach (var agent in agents)
        {
            var decision = await agent.DecideAsync("git", "push", "x", scenario.Id("shared"));
            Assert.Equal(Effect.Deny, decision.Effect);
            Assert.Equal(ReasonCode.CredentialRevoked, decision.Reason);
        }
    }

    [Fact]
    public async Task A_revoked_credential_cannot_be_resumed_or_rotated()
    {
        var (scenario, _, _) = await SetUpAsync();
        await scenario.Credential("gh").Revoke(null);

        var resume = await Assert.ThrowsAsync<MeshException>(() => scenario.Credential("gh").Resume());
        var rotate = await Assert.ThrowsAsync<MeshException>(() => scenario.Credential("gh").Rotate(null));

        Assert.Equal(MeshErrorCode.InvalidState, resume.Code);
        Assert.Equal(MeshErrorCode.InvalidState, rotate.Code);
        Assert.Equal(CredentialStatus.Revoked, (await scenario.Credential("gh").GetInfo()).Status);
    }

    [Fact]
    public async Task Suspend_denies_until_resumed()
    {
        var (scenario, agent, credential) = await SetUpAsync();

        await scenario.Credential("gh").Suspend("investigating");
        var suspended = await agent.DecideAsync("git", "push", "x", credential);
        await scenario.Credential("gh").Resume();
        var resumed = await agent.DecideAsync("git", "push", "x", credential);

        Assert.Equal(ReasonCode.CredentialSuspended, suspended.Reason);
        Assert.Equal(Effect.Allow, resumed.Effect);
    }

    [Fact]
    public async Task An_expired_credential_is_denied()
    {
        var (_, agent, credential) = await SetUpAsync(expiresAt: mesh.Clock.GetUtcNow().AddMinutes(10));
        Assert.Equal(Effect.Allow, (await agent.DecideAsync("git", "push", "x", credential)).Effect);

        mesh.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.Equal(ReasonCode.CredentialExpired, (await agent.DecideAsync("git", "push", "x", credential)).Reason);
    }

    [Fact]
    public async Task Requests_outside_the_scopes_are_denied_out_of_scope()
    {
        var (_, agent, credential) = await SetUpAsync(targets: "github.com/acme/*");

        var otherTarget = await agent.DecideAsync("git", "push", "github.com/evil/repo", credential);
        var otherTool = await agent.DecideAsync("shell", "exec", "github.com/acme/app", credential);
        var inScope = await agent.DecideAsync("git", "push", "github.com/acme/app", credential);

        Assert.Equal(ReasonCode.OutOfScope, otherTarget.Reason);
        Assert.Equal(ReasonCode.OutOfScope, otherTool.Reason);
        Assert.Equal(Effect.Allow, inScope.Effect);
    }

    [Fact]
    public async Task A_credential_not_granted_or_never_issued_is_denied_credential_unknown()
    {
        var (scenario, agent, _) = await SetUpAsync();
        await scenario.IssueCredentialAsync("other");
        var neverIssued = await scenario.RegisterAsync("bot2", Registrations.With(credentials: [scenario.Id("ghost")]) with { AllowUnissuedCredentials = true });

        var notGranted = await agent.DecideAsync("git", "push", "x", scenario.Id("other"));
        var unknown = await neverIssued.DecideAsync("git", "push", "x", scenario.Id("ghost"));

        Assert.Equal(ReasonCode.CredentialUnknown, notGranted.Reason);
        Assert.Equal(ReasonCode.CredentialUnknown, unknown.Reason);
    }

    [Fact]
    public async Task Rotation_bumps_the_version_decisions_name()
    {
        var (scenario, agent, credential) = await SetUpAsync();

        var rotated = await scenario.Credential("gh").Rotate(null);
        var decision = await agent.DecideAsync("git", "push", "x", credential);

        Assert.Equal(2, rotated.Version);
        Assert.Equal(2, decision.CredentialVersion);
    }

    [Fact]
    public async Task Issuing_bad_specs_is_refused_and_changes_nothing()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);

        var noScopes = await Assert.ThrowsAsync<MeshException>(() => scenario.Credential("c").Issue(new CredentialSpec()));
        var past = await Assert.ThrowsAsync<MeshException>(() => scenario.IssueCredentialAsync("c", expiresAt: mesh.Clock.GetUtcNow().AddSeconds(-1)));
        await scenario.IssueCredentialAsync("c");
        var twice = await Assert.ThrowsAsync<MeshException>(() => scenario.IssueCredentialAsync("c"));

        Assert.Equal(MeshErrorCode.InvalidArgument, noScopes.Code);
        Assert.Equal(MeshErrorCode.InvalidArgument, past.Code);
        Assert.Equal(MeshErrorCode.AlreadyExists, twice.Code);
        Assert.Equal(1, (await scenario.Credential("c").GetInfo()).Version);
    }
}
