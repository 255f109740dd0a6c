using Mesh.Contracts.Credentials;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tenants;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Credentials: issue, list a tenant's, show, suspend, resume, revoke, rotate.</summary>
internal static class CredentialEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/credentials", IssueAsync).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Issue a credential with scopes and an optional expiry.")
            .WithRequestBody<IssueCredentialBody>("application/json").Produces<CredentialInfo>(StatusCodes.Status201Created);
        v1.MapGet("/tenants/{tenant}/credentials", ListAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("List a tenant's issued credentials (any status), sorted by id.").Produces<CredentialInfo[]>();
        v1.MapGet("/credentials/{tenant}/{name}", GetAsync).RequireAuthorization(ApiPolicies.Read)
            .WithSummary("Show a credential.").Produces<CredentialInfo>();
        v1.MapPost("/credentials/{tenant}/{name}/suspend", (string tenant, string name, HttpRequest request, IGrainFactory grains) =>
            AgentEndpoints.WithReasonAsync(request, reason => Credential(grains, tenant, name).Suspend(reason))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Suspend a credential until resumed.").WithRequestBody<ReasonBody>("application/json").Produces<CredentialInfo>();
        v1.MapPost("/credentials/{tenant}/{name}/resume", async (string tenant, string name, IGrainFactory grains) =>
            Results.Ok(await Credential(grains, tenant, name).Resume())).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Resume a suspended credential.").Produces<CredentialInfo>();
        v1.MapPost("/credentials/{tenant}/{name}/revoke", (string tenant, string name, HttpRequest request, IGrainFactory grains) =>
            AgentEndpoints.WithReasonAsync(request, reason => Credential(grains, tenant, name).Revoke(reason))).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Revoke a credential permanently; no decision that starts afterwards allows it.").WithRequestBody<ReasonBody>("application/json").Produces<CredentialInfo>();
        v1.MapPost("/credentials/{tenant}/{name}/rotate", RotateAsync).RequireAuthorization(ApiPolicies.Operate)
            .WithSummary("Start a new credential version, optionally with new scopes.").WithRequestBody<RotateCredentialBody>("application/json").Produces<CredentialInfo>();
    }

    private static ICredentialGrain Credential(IGrainFactory grains, string tenant, string name) =>
        grains.GetGrain<ICredentialGrain>(RouteIds.Key(tenant, name, "credential"));

    private static async Task<IResult> IssueAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadJsonAsync<IssueCredentialBody>(request);
        var id = RouteIds.Key(body.CredentialId, "credential");
        var info = await grains.GetGrain<ICredentialGrain>(id).Issue(body.ToSpec());
        return Results.Created($"/v1/credentials/{id}", info);
    }

    private static async Task<IResult> ListAsync(string tenant, IGrainFactory grains)
    {
        var ids = await grains.GetGrain<ITenantGrain>(RouteIds.Tenant(tenant)).ListCredentials();
        var infos = await Task.WhenAll(ids.Select(id => grains.GetGrain<ICredentialGrain>(id).GetInfo()));
        // Indexed before it is issued: an issue that failed half-way leaves an id that was never issued.
        return Results.Ok(infos.Where(i => i.Status != CredentialStatus.Unknown));
    }

    private static async Task<IResult> GetAsync(string tenant, string name, IGrainFactory grains)
    {
        var info = await Credential(grains, tenant, name).GetInfo();
        return info.Status == CredentialStatus.Unknown
            ? throw new MeshException(MeshErrorCode.NotFound, $"Credential '{info.CredentialId}' was never issued.")
            : Results.Ok(info);
    }

    private static async Task<IResult> RotateAsync(string tenant, string name, HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadOptionalJsonAsync<RotateCredentialBody>(request);
        return Results.Ok(await Credential(grains, tenant, name).Rotate(body?.ToSpec()));
    }
}
