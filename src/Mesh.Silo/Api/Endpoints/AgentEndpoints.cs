using System.Text.Json.Serialization;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Audit;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;
using Microsoft.AspNetCore.Mvc;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Agents: register (returns the agent token once), list, show, recent decisions, pause, resume, quarantine, rotate token.</summary>
internal static class AgentEndpoints
{
    private const int DefaultDecisions = 20;
    private const int MaxDecisions = 100;
    private static readonly string[] DecisionParameters = ["limit"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/agents", RegisterAsync).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Register an agent; the response holds its token, shown only this once.")
            .WithRequestBody<RegisterAgentBody>("application/json").Produces<AgentTokenReceipt>(StatusCodes.Status201Created);
        v1.MapGet("/tenants/{tenant}/agents", ListAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("List a tenant's agents.").Produces<AgentInfo[]>();
        v1.MapGet("/agents/{tenant}/{name}", GetAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("Show an agent.").Produces<AgentInfo>();
        // Approvers may read it: whoever votes on a request should see what the agent has been doing.
        v1.MapGet("/agents/{tenant}/{name}/decisions", DecisionsAsync).RequireAuthorization(ApiPolicies.ReadApprovals)
            .WithSummary("The agent's most recent decisions from the audit trail, newest first (limit 1-100, default 20); never arguments or evidence.")
            .Produces<RecentDecisionView[]>();
        v1.MapPost("/agents/{tenant}/{name}/pause", (string tenant, string name, HttpRequest request, IGrainFactory grains) =>
            WithReasonAsync(request, reason => Agent(grains, tenant, name).Pause(reason))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Pause an agent: every decision is denied agent_paused.").WithRequestBody<ReasonBody>("application/json").Produces<AgentInfo>();
        v1.MapPost("/agents/{tenant}/{name}/quarantine", (string tenant, string name, HttpRequest request, IGrainFactory grains) =>
            WithReasonAsync(request, reason => Agent(grains, tenant, name).Quarantine(reason))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Quarantine an agent: every decision is denied agent_quarantined.").WithRequestBody<ReasonBody>("application/json").Produces<AgentInfo>();
        v1.MapPost("/agents/{tenant}/{name}/resume", async (string tenant, string name, IGrainFactory grains) =>
            Results.Ok(await Agent(grains, tenant, name).Resume())).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Resume a paused or quarantined agent.").Produces<AgentInfo>();
        v1.MapPost("/agents/{tenant}/{name}/token", async (string tenant, string name, IGrainFactory grains) =>
            Results.Ok(await Agent(grains, tenant, name).RotateToken())).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Replace the agent's token; the old one stops working at once.").Produces<AgentTokenReceipt>();
    }

    internal static async Task<IResult> WithReasonAsync<T>(HttpRequest request, Func<string?, Task<T>> change)
    {
        var body = await RequestBodies.ReadOptionalJsonAsync<ReasonBody>(request);
        return Results.Ok(await change(body?.Reason));
    }

    private static IAgentGrain Agent(IGrainFactory grains, string tenant, string name) =>
        grains.GetGrain<IAgentGrain>(RouteIds.Key(tenant, name, "agent"));

    private static async Task<IResult> RegisterAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadJsonAsync<RegisterAgentBody>(request);
        var id = RouteIds.Key(body.AgentId, "agent");
        var receipt = await grains.GetGrain<IAgentGrain>(id).Register(body.ToRegistration());
        return Results.Created($"/v1/agents/{id}", receipt);
    }

    private static async Task<IResult> ListAsync(string tenant, IGrainFactory grains)
    {
        var ids = await grains.GetGrain<ITenantGrain>(RouteIds.Tenant(tenant)).ListAgents();
        var infos = await Task.WhenAll(ids.Select(id => grains.GetGrain<IAgentGrain>(id).GetInfo()));
        return Results.Ok(infos.Where(i => i.Status != AgentStatus.Unregistered));
    }

    private static async Task<IResult> GetAsync(string tenant, string name, IGrainFactory grains) =>
        Results.Ok(await RegisteredAsync(grains, tenant, name));

    private static async Task<AgentInfo> RegisteredAsync(IGrainFactory grains, string tenant, string name)
    {
        var info = await Agent(grains, tenant, name).GetInfo();
        return info.Status == AgentStatus.Unregistered
            ? throw new MeshException(MeshErrorCode.NotFound, $"No agent '{info.AgentId}' is registered.")
            : info;
    }

    private static async Task<IResult> DecisionsAsync(string tenant, string name, HttpRequest request, IGrainFactory grains, [FromServices] IAuditStore store)
    {
        QueryParameters.RefuseUnknown(request, DecisionParameters);
        var limit = QueryParameters.Limit(request, MaxDecisions, DefaultDecisions);
        var agent = await RegisteredAsync(grains, tenant, name);

        // An agent's decisions are the decision records of its own stream.
        var query = new AuditQuery { Stream = agent.AgentId, Kinds = [AuditKind.Decision], NewestFirst = true, Limit = limit };
        var decisions = new List<RecentDecisionView>(limit);
        try
        {
            await foreach (var row in store.QueryAsync(query, request.HttpContext.RequestAborted))
            {
                decisions.Add(RecentDecisionView.From(row));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new MeshException(MeshErrorCode.Unavailable, $"The audit store ({store.Name}) could not be read: {ex.Message}");
        }

        return Results.Ok(decisions);
    }
}

/// <summary>
/// One recent decision as the console lists it: what was asked and what was decided, from the hashed record. Never
/// the arguments or evidence; every field is present, null when the record has none.
/// </summary>
internal sealed record RecentDecisionView
{
    public required DateTimeOffset Time { get; init; }
    public required string AuditId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? RequestId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Tool { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Operation { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Target { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Effect { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Reason { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? RuleId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ApprovalId { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Message { get; init; }

    // Read through the audit API's own view of a record (one place decodes stored bodies), keeping only what an
    // approver needs: never the arguments or evidence. An unreadable body says so in the message.
    internal static RecentDecisionView From(AuditRow row)
    {
        var record = AuditRecordView.From(row);
        return new RecentDecisionView
        {
            Time = record.Time,
            AuditId = record.Id,
            RequestId = record.RequestId,
            Tool = record.Request?.Tool,
            Operation = record.Request?.Operation,
            Target = record.Request?.Target,
            Effect = record.Effect,
            Reason = record.Reason,
            RuleId = record.RuleId,
            ApprovalId = record.ApprovalId,
            Message = record.Problem ?? record.Message,
        };
    }
}
