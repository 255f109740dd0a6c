using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Policies;
using Mesh.Grains.Tenants;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Approvals: the pending inbox (one tenant's, or every tenant's with whether the caller may vote), the full request, votes.</summary>
internal static class ApprovalEndpoints
{
    private static readonly string[] InboxParameters = ["tenant"];

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapGet("/approvals", InboxAsync).RequireAuthorization(ApiPolicies.ReadApprovals)
            .WithSummary("Every pending approval of every tenant (or of ?tenant=), oldest first, each with whether the caller may vote on it and why not.")
            .Produces<ApprovalInbox>();
        v1.MapGet("/tenants/{tenant}/approvals", ListPendingAsync).RequireAuthorization(ApiPolicies.ReadApprovals)
            .WithSummary("List a tenant's pending approvals, each with the full request.").Produces<ApprovalView[]>();
        v1.MapGet("/approvals/{tenant}/{name}", GetAsync).RequireAuthorization(ApiPolicies.ReadApprovals)
            .WithSummary("Show an approval with the full request, votes and deadline.").Produces<ApprovalView>();
        v1.MapGet("/approvals/{tenant}/{name}/you", GetYouAsync).RequireAuthorization(ApiPolicies.ReadApprovals)
            .WithSummary("Whether the caller may vote on the approval now, and if not, why.").Produces<VoterView>();
        v1.MapPost("/approvals/{tenant}/{name}/votes", VoteAsync).RequireAuthorization(ApiPolicies.Vote)
            .WithSummary("Vote as the token's holder, in the token's approver groups.").WithRequestBody<VoteBody>("application/json").Produces<ApprovalView>();
    }

    private static IApprovalGrain Approval(IGrainFactory grains, string tenant, string name) =>
        grains.GetGrain<IApprovalGrain>(RouteIds.Key(tenant, name, "approval"));

    private static async Task<IResult> InboxAsync(HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, TimeProvider time, TenantAuditPolicies audit)
    {
        QueryParameters.RefuseUnknown(request, InboxParameters);
        // Every tenant's: the fleet-wide registry of pending approvals (a few shards), not every tenant's own index.
        var pending = QueryParameters.Single(request, "tenant") is { } one
            ? await grains.GetGrain<ITenantGrain>(RouteIds.Tenant(one)).ListPendingApprovals()
            : await TenantRegistry.ListPendingApprovalsAsync(grains);
        var items = await Task.WhenAll(pending.Select(id => InboxItemAsync(user, grains.GetGrain<IApprovalGrain>(id), audit)));
        var oldestFirst = items.OfType<InboxItem>().OrderBy(i => i.Approval.OpenedAt).ThenBy(i => i.Approval.ApprovalId, StringComparer.Ordinal);
        return Results.Ok(new ApprovalInbox(time.GetUtcNow(), [.. oldestFirst]));
    }

    // The index is updated after an approval's own state: one decided a moment ago may still be listed, so each is read.
    private static async Task<InboxItem?> InboxItemAsync(ClaimsPrincipal user, IApprovalGrain approval, TenantAuditPolicies audit)
    {
        var view = await approval.Get();
        return view.Status == ApprovalStatus.Pending ? new InboxItem(await ApprovalRedaction.ForViewerAsync(view, user, audit), await YouAsync(user, approval)) : null;
    }

    /// <summary>Whether the caller may vote: the role check of the vote endpoint, then the approval's own rule.</summary>
    private static async Task<VoterView> YouAsync(ClaimsPrincipal user, IApprovalGrain approval)
    {
        if (!ApiPolicies.Satisfies(user, ApiPolicies.Vote))
        {
            var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToList();
            return new VoterView(false, $"Your {(roles.Count == 1 ? "role" : "roles")} ({string.Join(", ", roles)}) cannot vote on approvals.");
        }

        var (name, groups) = Voter(user);
        var check = await approval.CheckVoter(name, groups);
        return new VoterView(check.MayVote, check.Reason);
    }

    // Who votes: the token's holder, in the token's approver groups.
    private static (string Name, ImmutableArray<string> Groups) Voter(ClaimsPrincipal user) =>
        (user.Identity!.Name!, [.. user.FindAll(ApiTokenAuthenticationHandler.GroupClaim).Select(c => c.Value)]);

    private static async Task<IResult> ListPendingAsync(string tenant, ClaimsPrincipal user, IGrainFactory grains, TenantAuditPolicies audit)
    {
        var ids = await grains.GetGrain<ITenantGrain>(RouteIds.Tenant(tenant)).ListPendingApprovals();
        var views = await Task.WhenAll(ids.Select(id => grains.GetGrain<IApprovalGrain>(id).Get()));
        var pending = views.Where(v => v.Status == ApprovalStatus.Pending).Select(v => ApprovalRedaction.ForViewerAsync(v, user, audit).AsTask());
        return Results.Ok(await Task.WhenAll(pending));
    }

    private static async Task<IResult> GetAsync(string tenant, string name, ClaimsPrincipal user, IGrainFactory grains, TenantAuditPolicies audit) =>
        Results.Ok(await ApprovalRedaction.ForViewerAsync(await ExistingAsync(Approval(grains, tenant, name)), user, audit));

    private static async Task<IResult> GetYouAsync(string tenant, string name, ClaimsPrincipal user, IGrainFactory grains)
    {
        var approval = Approval(grains, tenant, name);
        // Whatever the caller's role: an approval that does not exist is a 404, not a "you may not vote".
        await ExistingAsync(approval);
        return Results.Ok(await YouAsync(user, approval));
    }

    private static async Task<ApprovalView> ExistingAsync(IApprovalGrain approval)
    {
        var view = await approval.Get();
        return view.Status == ApprovalStatus.Unknown
            ? throw new MeshException(MeshErrorCode.NotFound, $"No approval '{view.ApprovalId}'.")
            : view;
    }

    private static async Task<IResult> VoteAsync(string tenant, string name, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, TenantAuditPolicies audit)
    {
        var body = await RequestBodies.ReadJsonAsync<VoteBody>(request);
        var (approverId, groups) = Voter(user);
        var vote = new ApprovalVote
        {
            ApproverId = approverId,
            ApproverGroups = groups,
            Approve = body.Approve,
            Comment = body.Comment,
        };
        return Results.Ok(await ApprovalRedaction.ForViewerAsync(await Approval(grains, tenant, name).Vote(vote), user, audit));
    }
}

/// <summary>The approvals inbox: the server's time (to count down deadlines without trusting the client's clock) and the pending approvals, oldest first.</summary>
internal sealed record ApprovalInbox(DateTimeOffset ServerTime, IReadOnlyList<InboxItem> Items);

/// <summary>One pending approval and whether the caller may vote on it.</summary>
internal sealed record InboxItem(ApprovalView Approval, VoterView You);

/// <summary>Whether the caller may vote now; <c>reason</c> (always present, null when they may) is the refusal a vote would get.</summary>
internal sealed record VoterView(
    bool MayVote,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Reason);
