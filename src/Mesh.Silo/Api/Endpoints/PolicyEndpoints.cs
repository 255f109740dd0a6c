using System.Collections.Immutable;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Shadow;
using Mesh.Contracts.Tenants;
using Mesh.Policy.Compilation;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Simulation;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Policies: publish, versions, show, rollback, simulate against recorded requests, shadow mode.</summary>
internal static class PolicyEndpoints
{
    private const int MaxSimulatedRequests = 100_000;

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPut("/tenants/{tenant}/policy", async (string tenant, HttpRequest request, IGrainFactory grains) =>
            Results.Ok(await Tenant(grains, tenant).PublishPolicy(await RequestBodies.ReadYamlAsync(request)))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Validate, compile and activate a policy document (YAML); returns the new version.")
            .WithRequestBody<string>("application/yaml").Produces<PolicyPublication>();
        v1.MapGet("/tenants/{tenant}/policy/versions", async (string tenant, IGrainFactory grains) =>
            Results.Ok(await Tenant(grains, tenant).ListPolicyVersions())).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("List the tenant's policy versions.").Produces<PolicyVersionInfo[]>();
        v1.MapGet("/tenants/{tenant}/policy/versions/{version:long}", ShowAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("The document of one policy version (YAML).").Produces<string>(contentType: "application/yaml");
        v1.MapPost("/tenants/{tenant}/policy/rollback", RollbackAsync).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Make an earlier version active again.").WithRequestBody<RollbackBody>("application/json").Produces<PolicyPublication>();
        v1.MapPost("/tenants/{tenant}/policy/simulate", SimulateAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("Replay recorded requests against the active policy and a candidate; list every decision that would change.")
            .WithRequestBody<SimulateBody>("application/json").Produces<SimulationReport>();
        v1.MapPut("/tenants/{tenant}/policy/shadow", async (string tenant, HttpRequest request, IGrainFactory grains) =>
            Results.Ok(await Tenant(grains, tenant).StartShadow(await RequestBodies.ReadYamlAsync(request)))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Run a candidate in shadow: evaluated on live traffic next to the active policy, never enforced.")
            .WithRequestBody<string>("application/yaml").Produces<PolicyPublication>();
        v1.MapDelete("/tenants/{tenant}/policy/shadow", async (string tenant, IGrainFactory grains) =>
            Results.Ok(await Tenant(grains, tenant).StopShadow())).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Stop shadow evaluation.").Produces<TenantInfo>();
        v1.MapGet("/tenants/{tenant}/policy/shadow", async (string tenant, IGrainFactory grains) =>
            Results.Ok(await grains.GetGrain<IShadowReportGrain>(RouteIds.Tenant(tenant)).GetReport())).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("Counts and examples of decisions the shadow policy would have changed.").Produces<ShadowReport>();
    }

    private static ITenantGrain Tenant(IGrainFactory grains, string tenant) => grains.GetGrain<ITenantGrain>(RouteIds.Tenant(tenant));

    private static async Task<IResult> ShowAsync(string tenant, long version, IGrainFactory grains)
    {
        var document = await Tenant(grains, tenant).GetPolicyDocument(version)
            ?? throw new MeshException(MeshErrorCode.NotFound, $"Tenant '{tenant}' has no policy version {version}.");
        return Results.Text(document, "application/yaml");
    }

    private static async Task<IResult> RollbackAsync(string tenant, HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadJsonAsync<RollbackBody>(request);
        return Results.Ok(await Tenant(grains, tenant).RollbackPolicy(body.Version));
    }

    private static async Task<IResult> SimulateAsync(string tenant, HttpRequest request, IGrainFactory grains, TimeProvider time)
    {
        var body = await RequestBodies.ReadJsonAsync<SimulateBody>(request);
        if (body.Requests.Length > MaxSimulatedRequests)
        {
            throw ApiProblem.BadRequest("invalid_argument", $"At most {MaxSimulatedRequests} requests per simulation.");
        }

        var tenantGrain = Tenant(grains, tenant);
        var gate = await tenantGrain.GetGate();
        var activeDocument = gate.PolicyVersion == 0 ? null : await tenantGrain.GetPolicyDocument(gate.PolicyVersion);
        var active = activeDocument is null ? CompiledPolicy.Empty(0) : PolicyCompiler.Compile(activeDocument, gate.PolicyVersion);
        var compilation = PolicyCompiler.TryCompile(body.Candidate, 0);
        if (compilation.Policy is not { } candidate)
        {
            throw ApiProblem.BadRequest("invalid_argument", "The candidate policy is invalid. " + string.Join(" ", compilation.Errors));
        }

        // Roles and parents come from the agents as registered now, once per agent.
        var agents = new Dictionary<string, AgentInfo?>(StringComparer.Ordinal);
        var inputs = new List<(string?, PolicyInput)>(body.Requests.Length);
        foreach (var recorded in body.Requests)
        {
            var agentId = RouteIds.Key(recorded.AgentId, "agent");
            if (!agents.TryGetValue(agentId, out var agent))
            {
                var info = await grains.GetGrain<IAgentGrain>(agentId).GetInfo();
                agents[agentId] = agent = info.Status == AgentStatus.Unregistered ? null : info;
            }

            inputs.Add((recorded.RequestId, new PolicyInput
            {
                Tool = recorded.Tool,
                Operation = recorded.Operation,
                Target = recorded.Target,
                Workflow = recorded.Workflow,
                SessionId = recorded.SessionId,
                Labels = recorded.DataLabels is null ? [] : [.. recorded.DataLabels],
                Attributes = recorded.Attributes?.ToImmutableDictionary(StringComparer.Ordinal),
                Evidence = recorded.Evidence?.ToImmutableDictionary(StringComparer.Ordinal),
                AgentId = agentId,
                Tenant = tenant,
                Roles = agent?.Registration?.Roles ?? [],
                ParentAgentId = agent?.Registration?.ParentAgentId,
                Owner = agent?.Registration?.Owner,
                CredentialId = recorded.CredentialId,
                Now = recorded.DecidedAt ?? time.GetUtcNow(),
            }));
        }

        return Results.Ok(PolicySimulator.Simulate(active, candidate, inputs));
    }
}

/// <summary>Body of a rollback.</summary>
internal sealed record RollbackBody
{
    public required long Version { get; init; }
}

/// <summary>Body of a simulation: the candidate document and the recorded requests (decide bodies, plus when they were decided).</summary>
internal sealed record SimulateBody
{
    public required string Candidate { get; init; }
    public required RecordedRequest[] Requests { get; init; }
}

/// <summary>A recorded request: the fields of a decide body, and optionally when it was decided.</summary>
internal sealed record RecordedRequest : DecideBody
{
    public DateTimeOffset? DecidedAt { get; init; }
}
