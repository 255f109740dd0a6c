using System.Collections.Immutable;
using System.Text.Json.Serialization;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Shadow;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Audit;
using Mesh.Policy.Compilation;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Simulation;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;
using Microsoft.AspNetCore.Mvc;

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
            .WithSummary("Replay recorded requests, or the tenant's decisions recorded in the audit trail since a time, against the active policy and a candidate; list every decision that would change.")
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

    private static async Task<IResult> SimulateAsync(string tenant, HttpRequest request, IGrainFactory grains, TimeProvider time, [FromServices] IAuditStore audit)
    {
        var body = await RequestBodies.ReadJsonAsync<SimulateBody>(request);
        if ((body.Requests is null) == (body.Since is null))
        {
            throw ApiProblem.BadRequest("invalid_argument", "Give exactly one of requests (recorded requests) and since (replay the tenant's recorded decisions since then).");
        }

        if (body.Requests is { Length: > MaxSimulatedRequests })
        {
            throw ApiProblem.BadRequest("invalid_argument", $"At most {MaxSimulatedRequests} requests per simulation.");
        }

        if (body.Since > time.GetUtcNow())
        {
            throw ApiProblem.BadRequest("invalid_argument", $"since {body.Since:O} is in the future.");
        }

        var tenantId = RouteIds.Tenant(tenant);
        var tenantGrain = Tenant(grains, tenantId);
        var gate = await tenantGrain.GetGate();
        var activeDocument = gate.PolicyVersion == 0 ? null : await tenantGrain.GetPolicyDocument(gate.PolicyVersion);
        var active = activeDocument is null ? CompiledPolicy.Empty(0) : PolicyCompiler.Compile(activeDocument, gate.PolicyVersion);
        var compilation = PolicyCompiler.TryCompile(body.Candidate, 0);
        if (compilation.Policy is not { } candidate)
        {
            throw ApiProblem.BadRequest("policy_invalid", "The candidate policy is invalid. " + string.Join(" ", compilation.Errors));
        }

        var recorded = body.Since is { } since
            ? await RecordedDecisionsAsync(audit, tenantId, since, request.HttpContext.RequestAborted)
            : body.Requests!;

        // Roles and parents come from the agents as registered now, once per agent.
        var agents = new Dictionary<string, AgentInfo?>(StringComparer.Ordinal);
        var inputs = new List<SimulatedRequest>(recorded.Length);
        foreach (var entry in recorded)
        {
            var agentId = RouteIds.Key(entry.AgentId, "agent");
            if (!agents.TryGetValue(agentId, out var agent))
            {
                var info = await grains.GetGrain<IAgentGrain>(agentId).GetInfo();
                agents[agentId] = agent = info.Status == AgentStatus.Unregistered ? null : info;
            }

            inputs.Add(new SimulatedRequest(entry.RequestId, new PolicyInput
            {
                Tool = entry.Tool,
                Operation = entry.Operation,
                Target = entry.Target,
                Workflow = entry.Workflow,
                SessionId = entry.SessionId,
                Labels = entry.DataLabels is null ? [] : [.. entry.DataLabels],
                Attributes = entry.Attributes?.ToImmutableDictionary(StringComparer.Ordinal),
                Evidence = entry.Evidence?.ToImmutableDictionary(StringComparer.Ordinal),
                AgentId = agentId,
                Tenant = tenantId,
                Roles = agent?.Registration?.Roles ?? [],
                ParentAgentId = agent?.Registration?.ParentAgentId,
                Owner = agent?.Registration?.Owner,
                CredentialId = entry.CredentialId,
                Now = entry.DecidedAt ?? time.GetUtcNow(),
            }, entry.Recorded?.ToOutcome(entry.RecordedSource)));
        }

        return Results.Ok(PolicySimulator.Simulate(active, candidate, inputs));
    }

    /// <summary>
    /// The tenant's decisions since <paramref name="since"/> as the audit trail recorded them, oldest first, at most
    /// <see cref="MaxSimulatedRequests"/>. Requests refused before they were authenticated or validated are skipped:
    /// the trail keeps too little of them to replay. Secret values are replayed as the hashes the trail keeps.
    /// </summary>
    private static async Task<RecordedRequest[]> RecordedDecisionsAsync(IAuditStore audit, string tenant, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var recorded = new List<RecordedRequest>();
        var query = new AuditQuery { Tenant = tenant, Kinds = [AuditKind.Decision], From = since, Limit = AuditQuery.MaxLimit };
        var cursor = 0L;
        while (recorded.Count < MaxSimulatedRequests)
        {
            var rows = 0;
            await foreach (var row in audit.QueryAsync(query with { AfterId = cursor }, cancellationToken))
            {
                rows++;
                cursor = row.Id;
                if (recorded.Count < MaxSimulatedRequests && Replayable(row) is { } request)
                {
                    recorded.Add(request);
                }
            }

            if (rows < AuditQuery.MaxLimit)
            {
                break;
            }
        }

        return [.. recorded];
    }

    private static RecordedRequest? Replayable(AuditRow row)
    {
        AuditRecord record;
        try
        {
            record = AuditCodec.Decode(row.Body);
        }
        catch (AuditFormatException)
        {
            return null;
        }

        if (record.Request is not { } request || string.IsNullOrEmpty(request.Tool) || record.AgentId is null
            || record.Reason is "bad_token" or "bad_request")
        {
            return null;
        }

        return new RecordedRequest
        {
            RequestId = record.RequestId ?? record.Id,
            AgentId = record.AgentId,
            Tool = request.Tool,
            Operation = request.Operation,
            Target = request.Target,
            CredentialId = record.CredentialId,
            DataLabels = request.DataLabels.IsDefault ? null : [.. request.DataLabels],
            Workflow = request.Workflow,
            SessionId = request.SessionId,
            Attributes = request.Attributes.Count == 0 ? null : new Dictionary<string, string>(request.Attributes, StringComparer.Ordinal),
            Evidence = request.Evidence.Count == 0 ? null : new Dictionary<string, string>(request.Evidence, StringComparer.Ordinal),
            DecidedAt = record.Time,
            Recorded = record.Effect is { } effect && record.Reason is { } reason
                ? new RecordedDecisionBody { Effect = effect, Reason = reason, RuleId = record.RuleId, ApprovalId = record.ApprovalId }
                : null,
            RecordedSource = SimulatedOutcome.AuditSource,
        };
    }
}

/// <summary>Body of a rollback.</summary>
internal sealed record RollbackBody
{
    public required long Version { get; init; }
}

/// <summary>
/// Body of a simulation: the candidate document, and either the recorded requests (decide bodies, plus when they were
/// decided) or <c>since</c>: replay the tenant's decisions the audit trail recorded since then.
/// </summary>
internal sealed record SimulateBody
{
    public required string Candidate { get; init; }
    public RecordedRequest[]? Requests { get; init; }
    public DateTimeOffset? Since { get; init; }
}

/// <summary>
/// A recorded request: the fields of a decide body, and optionally when it was decided and what was decided (the
/// baseline the candidate is compared with; without it, the active policy's answer).
/// </summary>
internal sealed record RecordedRequest : DecideBody
{
    public DateTimeOffset? DecidedAt { get; init; }

    public RecordedDecisionBody? Recorded { get; init; }

    // Where Recorded came from: the audit trail when the silo read it, otherwise the caller's body.
    [JsonIgnore]
    internal string RecordedSource { get; init; } = SimulatedOutcome.RequestSource;
}

/// <summary>The decision the mesh made for a recorded request: its effect, reason code and deciding rule.</summary>
internal sealed record RecordedDecisionBody
{
    private static readonly string[] Effects = ["allow", "deny", "require_approval"];

    public required string Effect { get; init; }

    public required string Reason { get; init; }

    public string? RuleId { get; init; }

    public string? ApprovalId { get; init; }

    internal SimulatedOutcome ToOutcome(string source)
    {
        if (!Effects.Contains(Effect, StringComparer.Ordinal))
        {
            throw ApiProblem.BadRequest("invalid_argument", $"recorded.effect '{Effect}' must be allow, deny or require_approval.");
        }

        if (!ReasonCodes.TryParse(Reason, out _))
        {
            throw ApiProblem.BadRequest("invalid_argument", $"recorded.reason '{Reason}' is not a reason code (policy, default, credential_revoked, ...).");
        }

        return new SimulatedOutcome(Effect, Reason, RuleId) { Source = source, ApprovalId = ApprovalId };
    }
}
