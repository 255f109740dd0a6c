using System.Security.Claims;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tenants;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Approvals: the pending inbox, the full request, votes.</summary>
internal static class ApprovalEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/tenants/{tenant}/approvals", ListPendingAsync).RequireAuthorization(ApiPolicies.ReadApprovals)
            .WithSummary("List a tenant's pending approvals, each with the full request.").Produces<ApprovalView[]>();
        v1.MapGet("/approvals/{tenant}/{name}", GetAsync).RequireAuthorization(ApiPolicies.ReadApprovals)
            .WithSummary("Show an approval with the full request, votes and deadline.").Produces<ApprovalView>();
        v1.MapPost("/approvals/{tenant}/{name}/votes", VoteAsync).RequireAuthorization(ApiPolicies.Vote)
            .WithSummary("Vote as the token's holder, in the token's approver groups.").WithRequestBody<VoteBody>("application/json").Produces<ApprovalView>();
    }

    private static IApprovalGrain Approval(IGrainFactory grains, string tenant, string name) =>
        grains.GetGrain<IApprovalGrain>(RouteIds.Key(tenant, name, "approval"));

    private static async Task<IResult> ListPendingAsync(string tenant, IGrainFactory grains)
    {
        var ids = await grains.GetGrain<ITenantGrain>(RouteIds.Tenant(tenant)).ListPendingApprovals();
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<IApprovalGrain>(id).Get()));
        return Results.Ok(views.Where(v => v.Status == ApprovalStatus.Pending));
    }

    private static async Task<IResult> GetAsync(string tenant, string name, IGrainFactory grains)
    {
        var view = await Approval(grains, tenant, name).Get();
        return view.Status == ApprovalStatus.Unknown
            ? throw new MeshException(MeshErrorCode.NotFound, $"No approval '{view.ApprovalId}'.")
            : Results.Ok(view);
    }

    private static async Task<IResult> VoteAsync(string tenant, string name, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var body = await RequestBodies.ReadJsonAsync<VoteBody>(request);
        var vote = new ApprovalVote
        {
            ApproverId = user.Identity!.Name!,
            ApproverGroups = [.. user.FindAll(ApiTokenAuthenticationHandler.GroupClaim).Select(c => c.Value)],
            Approve = body.Approve,
            Comment = body.Comment,
        };
        return Results.Ok(await Approval(grains, tenant, name).Vote(vote));
    }
}
