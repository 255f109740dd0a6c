using System.Collections.Immutable;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Agents;

[Collection(ClusterCollection.Name)]
public sealed class BadInputTests(MeshCluster mesh)
{
    private async Task<TestAgent> AllowAllAgentAsync()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        return await scenario.RegisterAsync("bot");
    }

    [Fact]
    public async Task Unknown_agent_is_denied_unknown_agent()
    {
        var id = Ids.Tenant() + "/ghost";
        var decision = await mesh.Client.GetGrain<IAgentGrain>(id).Decide(new ActionRequest
        {
            RequestId = Ids.Request(), AgentId = id, AgentToken = "mesh_at_whatever", Tool = "shell", Operation = "exec",
        });

        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(ReasonCode.UnknownAgent, decision.Reason);
    }

    [Fact]
    public async Task A_malformed_agent_key_is_denied_unknown_agent()
    {
        var decision = await mesh.Client.GetGrain<IAgentGrain>("no-tenant-here").Decide(new ActionRequest
        {
            RequestId = Ids.Request(), AgentId = "no-tenant-here", AgentToken = "x", Tool = "shell", Operation = "exec",
        });

        Assert.Equal(ReasonCode.UnknownAgent, decision.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("mesh_at_wrong")]
    public async Task A_wrong_token_is_denied_bad_token(string token)
    {
        var agent = await AllowAllAgentAsync();

        var decision = await agent.DecideAsync(agent.Request("shell", "exec", "ls") with { AgentToken = token });

        Assert.Equal(Effect.Deny, decision.Effect);
        Assert.Equal(ReasonCode.BadToken, decision.Reason);
    }

    [Fact]
    public async Task A_rotated_token_replaces_the_old_one()
    {
        var agent = await AllowAllAgentAsync();

        var rotated = await agent.Operator.RotateToken();

        Assert.Equal(ReasonCode.BadToken, (await agent.DecideAsync("shell", "exec", "ls")).Reason);
        Assert.Equal(Effect.Allow, (await agent.Runtime.Decide(agent.Request("shell", "exec", "ls") with { AgentToken = rotated.Token })).Effect);
        Assert.DoesNotContain(rotated.Token, rotated.ToString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, Func<ActionRequest, ActionRequest>> MalformedRequests() => new()
    {
        { "empty tool", r => r with { Tool = "" } },
        { "tool with spaces", r => r with { Tool = "rm -rf" } },
        { "empty operation", r => r with { Operation = "" } },
        { "blank target", r => r with { Target = "   " } },
        { "target with a newline", r => r with { Target = "ls\n" } },
        { "empty target", r => r with { Target = "" } },
        { "oversized target", r => r with { Target = new string('a', RequestLimits.MaxTargetLength + 1) } },
        { "oversized request id", r => r with { RequestId = new string('r', RequestLimits.MaxRequestIdLength + 1) } },
        { "oversized arguments", r => r with { Arguments = new string('x', RequestLimits.MaxArgumentsLength + 1) } },
        { "too many labels", r => r with { DataLabels = [.. Enumerable.Range(0, RequestLimits.MaxLabels + 1).Select(i => "l" + i)] } },
        { "too many attributes", r => r with { Attributes = Enumerable.Range(0, RequestLimits.MaxEntries + 1).ToImmutableDictionary(i => "k" + i, i => "v") } },
        { "digest that is not hex", r => r with { ArgumentsDigest = "not-a-digest" } },
        { "digest that does not match the arguments", r => r with { Arguments = "{\"a\":1}", ArgumentsDigest = new string('0', 64) } },
        { "agent id of another agent", r => r with { AgentId = r.AgentId + "x" } },
    };

    [Theory]
    [MemberData(nameof(MalformedRequests))]
    public async Task A_malformed_request_is_denied_bad_request_with_the_field(string what, Func<ActionRequest, ActionRequest> spoil)
    {
        var agent = await AllowAllAgentAsync();

        var decision = await agent.DecideAsync(spoil(agent.Request("shell", "exec", "ls")));

        Assert.True(decision.Effect == Effect.Deny, what);
        Assert.Equal(ReasonCode.BadRequest, decision.Reason);
        Assert.StartsWith("The request is malformed", decision.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Matching_arguments_and_digest_are_accepted()
    {
        var agent = await AllowAllAgentAsync();
        const string args = "{\"cmd\":\"ls\"}";
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(args)));

        var decision = await agent.DecideAsync(agent.Request("shell", "exec", "ls") with { Arguments = args, ArgumentsDigest = digest });

        Assert.Equal(Effect.Allow, decision.Effect);
    }

    [Fact]
    public async Task Registration_rejects_bad_input_and_changes_nothing()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        var grain = mesh.Operator.GetGrain<IAgentGrain>(scenario.Id("bot"));

        var badRole = await Assert.ThrowsAsync<MeshException>(() => grain.Register(Registrations.With(roles: ["has space"])));
        var otherTenant = await Assert.ThrowsAsync<MeshException>(() => grain.Register(Registrations.With(credentials: ["other/cred"])));
        var badLimit = await Assert.ThrowsAsync<MeshException>(() => grain.Register(new AgentRegistration().Limited(0, TimeSpan.FromSeconds(1))));
        var missingParent = await Assert.ThrowsAsync<MeshException>(() => grain.Register(Registrations.With(parent: scenario.Id("nobody"))));
        var badKey = await Assert.ThrowsAsync<MeshException>(() => mesh.Operator.GetGrain<IAgentGrain>("NoSlash").Register(new AgentRegistration()));

        Assert.Equal(MeshErrorCode.InvalidArgument, badRole.Code);
        Assert.Equal(MeshErrorCode.InvalidArgument, otherTenant.Code);
        Assert.Equal(MeshErrorCode.InvalidArgument, badLimit.Code);
        Assert.Equal(MeshErrorCode.NotFound, missingParent.Code);
        Assert.Equal(MeshErrorCode.InvalidArgument, badKey.Code);
        Assert.Equal(AgentStatus.Unregistered, (await grain.GetInfo()).Status);
    }

    [Fact]
    public async Task Registering_twice_is_refused()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.RegisterAsync("bot");

        var error = await Assert.ThrowsAsync<MeshException>(() => scenario.RegisterAsync("bot"));

        Assert.Equal(MeshErrorCode.AlreadyExists, error.Code);
    }

    [Fact]
    public async Task A_malformed_policy_is_refused_with_every_error_and_the_active_version_stays()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);

        var error = await Assert.ThrowsAsync<MeshException>(() => scenario.PublishAsync(TestPolicies.Of("""
              - id: a
                effect: maybe
              - id: a
                effect: allow
            """)));

        Assert.Equal(MeshErrorCode.PolicyInvalid, error.Code);
        Assert.Contains("effect must be allow, deny or require_approval", error.Message, StringComparison.Ordinal);
        Assert.Contains("ids must be unique", error.Message, StringComparison.Ordinal);
        var tenant = await scenario.TenantGrain.GetInfo();
        Assert.Equal(1, tenant.ActivePolicyVersion);
        Assert.Equal(1, tenant.PolicyVersions);
    }
}
