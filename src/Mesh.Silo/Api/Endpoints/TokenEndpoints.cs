using System.Security.Claims;
using Mesh.Contracts.Tokens;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>API tokens: who the calling token is (any token); create (the token is shown once), list, revoke (admin only).</summary>
internal static class TokenEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/me", Me).RequireAuthorization(ApiPolicies.Authenticated)
            .WithSummary("Who the calling API token belongs to: its name, id, roles, approver groups and the permissions its roles give.")
            .Produces<MeView>();
        v1.MapPost("/tokens", CreateAsync).RequireAuthorization(ApiPolicies.Admin)
            .WithSummary("Create an API token; the response holds the token, shown only this once.")
            .WithRequestBody<CreateTokenBody>("application/json").Produces<ApiTokenIssued>(StatusCodes.Status201Created);
        v1.MapGet("/tokens", async (IGrainFactory grains) => Results.Ok(await Registry(grains).List())).RequireAuthorization(ApiPolicies.Admin)
            .WithSummary("List API tokens (never their secrets).").Produces<ApiTokenInfo[]>();
        v1.MapDelete("/tokens/{id}", async (string id, IGrainFactory grains) => Results.Ok(await Registry(grains).Revoke(id))).RequireAuthorization(ApiPolicies.Admin)
            .WithSummary("Revoke an API token; it stops working at once.").Produces<ApiTokenInfo>();
    }

    private static IApiTokenRegistryGrain Registry(IGrainFactory grains) => grains.GetGrain<IApiTokenRegistryGrain>(IApiTokenRegistryGrain.Key);

    // Read from the claims the token was just authenticated with: exactly what every other endpoint authorizes against.
    private static IResult Me(ClaimsPrincipal user) => Results.Ok(new MeView(
        user.Identity!.Name!,
        user.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim)!,
        [.. user.FindAll(ClaimTypes.Role).Select(c => c.Value)],
        [.. user.FindAll(ApiTokenAuthenticationHandler.GroupClaim).Select(c => c.Value)],
        [.. ApiPolicies.SatisfiedBy(user)]));

    private static async Task<IResult> CreateAsync(HttpRequest request, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadJsonAsync<CreateTokenBody>(request);
        var issued = await Registry(grains).Create(new ApiTokenSpec { Name = body.Name, Roles = [.. body.Roles], Groups = body.Groups is null ? [] : [.. body.Groups] });
        return Results.Created($"/v1/tokens/{issued.Info.Id}", issued);
    }
}

/// <summary>The calling token: holder, public id, roles, approver groups, and the permission policies its roles satisfy.</summary>
internal sealed record MeView(
    string Name,
    string TokenId,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Groups,
    IReadOnlyList<string> Permissions);
