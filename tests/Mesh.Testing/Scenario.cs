using System.Collections.Immutable;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Tenants;

namespace Mesh.Testing;

/// <summary>One tenant's worth of test set-up, done the way an operator would, through a silo's grain factory.</summary>
public sealed class Scenario(IGrainFactory operatorGrains, IGrainFactory runtimeGrains)
{
    /// <summary>This scenario's tenant.</summary>
    public string Tenant { get; } = Ids.Tenant();

    /// <summary>Full id of a name in this tenant.</summary>
    public string Id(string name) => $"{Tenant}/{name}";

    /// <summary>Publishes a policy for the tenant.</summary>
    public Task<PolicyPublication> PublishAsync(string yaml) => operatorGrains.GetGrain<ITenantGrain>(Tenant).PublishPolicy(yaml);

    /// <summary>Issues a credential with one scope.</summary>
    public Task<CredentialInfo> IssueCredentialAsync(string name, string tools = "*", string operations = "*", string targets = "*", DateTimeOffset? expiresAt = null) =>
        operatorGrains.GetGrain<ICredentialGrain>(Id(name)).Issue(new CredentialSpec
        {
            Scopes = [new CredentialScope { Tools = [tools], Operations = [operations], Targets = [targets] }],
            ExpiresAt = expiresAt,
        });

    /// <summary>Registers an agent.</summary>
    public async Task<TestAgent> RegisterAsync(string name, AgentRegistration? registration = null)
    {
        var receipt = await operatorGrains.GetGrain<IAgentGrain>(Id(name)).Register(registration ?? new AgentRegistration());
        return new TestAgent(receipt.AgentId, receipt.Token, runtimeGrains.GetGrain<IAgentGrain>(receipt.AgentId), operatorGrains.GetGrain<IAgentGrain>(receipt.AgentId));
    }

    /// <summary>The operator-side credential grain.</summary>
    public ICredentialGrain Credential(string name) => operatorGrains.GetGrain<ICredentialGrain>(Id(name));

    /// <summary>The operator-side tenant grain.</summary>
    public ITenantGrain TenantGrain => operatorGrains.GetGrain<ITenantGrain>(Tenant);
}

/// <summary>A registered agent: its id, token, and grain references for the runtime and the operator.</summary>
public sealed record TestAgent(string AgentId, string Token, IAgentGrain Runtime, IAgentGrain Operator)
{
    /// <summary>Builds a request from this agent.</summary>
    public ActionRequest Request(string tool, string operation, string? target = null, string? credential = null, string? requestId = null) => new()
    {
        RequestId = requestId ?? Ids.Request(),
        AgentId = AgentId,
        AgentToken = Token,
        Tool = tool,
        Operation = operation,
        Target = target,
        CredentialId = credential,
    };

    /// <summary>Asks for a decision through the runtime surface.</summary>
    public Task<Decision> DecideAsync(ActionRequest request) => Runtime.Decide(request);

    /// <summary>Asks for a decision on a fresh request.</summary>
    public Task<Decision> DecideAsync(string tool, string operation, string? target = null, string? credential = null) =>
        Runtime.Decide(Request(tool, operation, target, credential));
}

/// <summary>Registration shortcuts.</summary>
public static class Registrations
{
    /// <summary>An agent with roles and credentials.</summary>
    public static AgentRegistration With(string[]? roles = null, string[]? credentials = null, string? parent = null, string? owner = null) => new()
    {
        Roles = roles is null ? [] : [.. roles],
        Credentials = credentials is null ? [] : [.. credentials],
        ParentAgentId = parent,
        Owner = owner,
    };

    /// <summary>Adds an agent-wide rate limit.</summary>
    public static AgentRegistration Limited(this AgentRegistration registration, int permits, TimeSpan per) =>
        registration with { RateLimit = new RateLimit { Permits = permits, Per = per } };

    /// <summary>Adds a per-tool rate limit.</summary>
    public static AgentRegistration LimitedTool(this AgentRegistration registration, string tool, int permits, TimeSpan per) =>
        registration with { ToolRateLimits = (registration.ToolRateLimits ?? ImmutableDictionary<string, RateLimit>.Empty).SetItem(tool, new RateLimit { Permits = permits, Per = per }) };
}
