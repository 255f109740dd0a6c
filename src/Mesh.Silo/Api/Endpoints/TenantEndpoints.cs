using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Tenants;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Tenants (list, show, pause, resume, publish a policy) and the fleet-wide emergency stop.</summary>
internal static class TenantEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/tenants", ListAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("List every known tenant (one with an agent, a credential, a policy or a pause), sorted by id.").Produces<TenantInfo[]>();
        v1.MapGet("/tenants/{tenant}", async (string tenant, IGrainFactory grains) =>
            Results.Ok(await Tenant(grains, tenant).GetInfo())).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("Show a tenant: pause state, active policy version, agent count.").Produces<TenantInfo>();
        v1.MapPost("/tenants/{tenant}/pause", (string tenant, HttpRequest request, IGrainFactory grains) =>
            AgentEndpoints.WithReasonAsync(request, reason => Tenant(grains, tenant).Pause(reason))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Pause every agent of the tenant.").WithRequestBody<ReasonBody>("application/json").Produces<TenantInfo>();
        v1.MapPost("/tenants/{tenant}/resume", async (string tenant, IGrainFactory grains) =>
            Results.Ok(await Tenant(grains, tenant).Resume())).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Resume the tenant.").Produces<TenantInfo>();
        v1.MapGet("/emergency-stop", async (IGrainFactory grains) =>
            Results.Ok(await Fleet(grains).GetStatus())).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("Show whether the fleet-wide emergency stop is engaged.").Produces<FleetStatus>();
        v1.MapPost("/emergency-stop", (HttpRequest request, IGrainFactory grains) =>
            AgentEndpoints.WithReasonAsync(request, reason => Fleet(grains).EngageEmergencyStop(reason))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Engage the emergency stop: every decision of every agent is denied.").WithRequestBody<ReasonBody>("application/json").Produces<FleetStatus>();
        v1.MapDelete("/emergency-stop", (HttpRequest request, IGrainFactory grains) =>
            AgentEndpoints.WithReasonAsync(request, reason => Fleet(grains).ReleaseEmergencyStop(reason))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Release the emergency stop (an optional reason is kept in the status and the audit record).").WithRequestBody<ReasonBody>("application/json").Produces<FleetStatus>();
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains)
    {
        var tenants = await TenantRegistry.ListAsync(grains);
        return Results.Ok(await Task.WhenAll(tenants.Select(t => Tenant(grains, t).GetInfo())));
    }

    private static ITenantGrain Tenant(IGrainFactory grains, string tenant) => grains.GetGrain<ITenantGrain>(RouteIds.Tenant(tenant));

    private static IFleetGrain Fleet(IGrainFactory grains) => grains.GetGrain<IFleetGrain>(IFleetGrain.Key);
}
