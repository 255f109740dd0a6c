using Mesh.Contracts.Agents;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tenants;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Agents: register (returns the agent token once), list, show, pause, resume, quarantine, rotate token.</summary>
internal static class AgentEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/agents", RegisterAsync).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Register an agent; the response holds its token, shown only this once.")
            .WithRequestBody<RegisterAgentBody>("application/json").Produces<AgentTokenReceipt>(StatusCodes.Status201Created);
        v1.MapGet("/tenants/{tenant}/agents", ListAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("List a tenant's agents.").Produces<AgentInfo[]>();
        v1.MapGet("/agents/{tenant}/{name}", GetAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("Show an agent.").Produces<AgentInfo>();
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

    private static async Task<IResult> GetAsync(string tenant, string name, IGrainFactory grains)
    {
        var info = await Agent(grains, tenant, name).GetInfo();
        return info.Status == AgentStatus.Unregistered
            ? throw new MeshException(MeshErrorCode.NotFound, $"No agent '{info.AgentId}' is registered.")
            : Results.Ok(info);
    }
}
