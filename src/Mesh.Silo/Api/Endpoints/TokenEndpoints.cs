using Mesh.Contracts.Tokens;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>API tokens (admin only): create (the token is shown once), list, revoke.</summary>
internal static class TokenEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/tokens", CreateAsync).RequireAuthorization(ApiPolicies.Admin)
            .WithSummary("Create an API token; the response holds the token, shown only this once.")
            .WithRequestBody<CreateTokenBody>("application/json").Produces<ApiTokenIssued>(StatusCodes.Status201Created);
        v1.MapGet("/tokens", async (IGrainFactory grains) => Results.Ok(await Registry(grains).List())).RequireAuthorization(ApiPolicies.Admin)
            .WithSummary("List API tokens (never their secrets).").Produces<ApiTokenInfo[]>();
        v1.MapDelete("/tokens/{id}", async (string id, IGrainFactory grains) => Results.Ok(await Registry(grains).Revoke(id))).RequireAuthorization(ApiPolicies.Admin)
            .WithSummary("Revoke an API token; it stops working at once.").Produces<ApiTokenInfo>();
    }

    private static IApiTokenRegistryGrain Registry(IGrainFactory grains) => grains.GetGrain<IApiTokenRegistryGrain>(IApiTokenRegistryGrain.Key);

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadJsonAsync<CreateTokenBody>(request);
        var issued = await Registry(grains).Create(new ApiTokenSpec { Name = body.Name, Roles = [.. body.Roles], Groups = body.Groups is null ? [] : [.. body.Groups] });
        return Results.Created($"/v1/tokens/{issued.Info.Id}", issued);
    }
}
