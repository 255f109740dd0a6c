using Mesh.Contracts.Agents;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Agents;

/// <summary>Registration grants only credentials that exist and are usable, unless told they will be issued later.</summary>
[Collection(ClusterCollection.Name)]
public sealed class CredentialGrantTests(MeshCluster mesh)
{
    [Fact]
    public async Task A_credential_never_issued_is_refused_by_name_and_no_agent_is_created()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.IssueCredentialAsync("github");
        var grain = mesh.Operator.GetGrain<IAgentGrain>(scenario.Id("bot"));

        var refused = await Assert.ThrowsAsync<MeshException>(() =>
            grain.Register(Registrations.With(credentials: [scenario.Id("github"), scenario.Id("githib")])));

        Assert.Equal(MeshErrorCode.NotFound, refused.Code);
        Assert.Contains($"'{scenario.Id("githib")}' was never issued", refused.Message, StringComparison.Ordinal);
        Assert.Contains("mesh credential issue", refused.Message, StringComparison.Ordinal);
        Assert.Contains("--credential-issued-later", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain($"'{scenario.Id("github")}'", refused.Message, StringComparison.Ordinal);
        Assert.Equal(AgentStatus.Unregistered, (await grain.GetInfo()).Status);
        Assert.DoesNotContain(scenario.Id("bot"), await scenario.TenantGrain.ListAgents());
    }

    [Fact]
    public async Task Allowing_unissued_credentials_grants_one_that_is_issued_afterwards()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);

        var agent = await scenario.RegisterAsync("bot", Registrations.With(credentials: [scenario.Id("later")]) with { AllowUnissuedCredentials = true });
        var before = await agent.DecideAsync("git", "push", "x", scenario.Id("later"));
        await scenario.IssueCredentialAsync("later");
        var after = await agent.DecideAsync("git", "push", "x", scenario.Id("later"));

        Assert.Equal(scenario.Id("later"), Assert.Single((await agent.Operator.GetInfo()).Registration!.Credentials));
        Assert.Equal(ReasonCode.CredentialUnknown, before.Reason);
        Assert.Equal(Effect.Allow, after.Effect);
    }

    [Fact]
    public async Task An_issued_credential_is_granted_without_the_flag()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        await scenario.IssueCredentialAsync("github");

        var agent = await scenario.RegisterAsync("bot", Registrations.With(credentials: [scenario.Id("github")]));

        Assert.Equal(Effect.Allow, (await agent.DecideAsync("git", "push", "x", scenario.Id("github"))).Effect);
    }

    [Fact]
    public async Task A_revoked_or_expired_credential_is_refused_even_when_unissued_ones_are_allowed()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.IssueCredentialAsync("leaked");
        await scenario.Credential("leaked").Revoke("leaked");
        await scenario.IssueCredentialAsync("old", expiresAt: mesh.Clock.GetUtcNow().AddMinutes(5));
        mesh.Clock.Advance(TimeSpan.FromMinutes(5));
        var revokedGrain = mesh.Operator.GetGrain<IAgentGrain>(scenario.Id("a"));
        var expiredGrain = mesh.Operator.GetGrain<IAgentGrain>(scenario.Id("b"));

        var revoked = await Assert.ThrowsAsync<MeshException>(() =>
            revokedGrain.Register(Registrations.With(credentials: [scenario.Id("leaked")]) with { AllowUnissuedCredentials = true }));
        var expired = await Assert.ThrowsAsync<MeshException>(() =>
            expiredGrain.Register(Registrations.With(credentials: [scenario.Id("old")]) with { AllowUnissuedCredentials = true }));

        Assert.Equal(MeshErrorCode.InvalidState, revoked.Code);
        Assert.Contains($"'{scenario.Id("leaked")}' is revoked", revoked.Message, StringComparison.Ordinal);
        Assert.Equal(MeshErrorCode.InvalidState, expired.Code);
        Assert.Contains($"'{scenario.Id("old")}' expired", expired.Message, StringComparison.Ordinal);
        Assert.Equal(AgentStatus.Unregistered, (await revokedGrain.GetInfo()).Status);
        Assert.Equal(AgentStatus.Unregistered, (await expiredGrain.GetInfo()).Status);
    }
}
