using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>
/// The runtime surface over HTTP, for runtimes that are not .NET: decide, report an outcome, wait for an approval.
/// The agent token authenticates (Authorization: Bearer mesh_at_...); the semantics are exactly the SDK's: a decision
/// is always a 200 with a decision (a wrong token is a deny with reason bad_token), never an allow by omission; only
/// an agent whose wrong tokens from one address exceeded the free allowance is answered 429 (see AuthFailureThrottle).
/// </summary>
internal static class RuntimeEndpoints
{
    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/decide", DecideAsync).AllowAnonymous()
            .WithSummary("Ask whether an action may happen (agent token in the Authorization header).")
            .WithRequestBody<DecideBody>("application/json").Produces<Decision>();
        v1.MapPost("/outcomes", ReportAsync).AllowAnonymous()
            .WithSummary("Report what happened after an allowed action (agent token in the Authorization header).")
            .WithRequestBody<OutcomeBody>("application/json").Produces<OutcomeReceipt>();
        v1.MapPost("/approvals/{tenant}/{name}/wait", WaitAsync).AllowAnonymous()
            .WithSummary("Wait (long poll, up to 20 s) for one of the agent's approvals to be decided.")
            .WithRequestBody<WaitBody>("application/json").Produces<ApprovalWaitResult>();
    }

    private static async Task<IResult> DecideAsync(HttpRequest request, IGrainFactory grains, AuthFailureThrottle throttle)
    {
        var body = await RequestBodies.ReadJsonAsync<DecideBody>(request);
        var agentId = RouteIds.Key(body.AgentId, "agent");
        if (Throttled(request, throttle, agentId) is { } refused)
        {
            return refused;
        }

        var decision = await grains.GetGrain<IAgentGrain>(agentId).Decide(body.ToRequest(RouteIds.BearerToken(request)));
        if (decision.Reason is ReasonCode.BadToken or ReasonCode.UnknownAgent)
        {
            RecordFailure(request, throttle, agentId);
        }

        return Results.Ok(decision);
    }

    private static async Task<IResult> ReportAsync(HttpRequest request, IGrainFactory grains, AuthFailureThrottle throttle)
    {
        var body = await RequestBodies.ReadJsonAsync<OutcomeBody>(request);
        var agentId = RouteIds.Key(body.AgentId, "agent");
        if (Throttled(request, throttle, agentId) is { } refused)
        {
            return refused;
        }

        var receipt = await grains.GetGrain<IAgentGrain>(agentId).ReportOutcome(new OutcomeReport
        {
            RequestId = body.RequestId,
            AgentId = agentId,
            AgentToken = RouteIds.BearerToken(request),
            Success = body.Success,
            Changes = body.Changes,
            UndoHandle = body.UndoHandle,
            Error = body.Error,
        });
        if (receipt.Error == OutcomeReceipt.UnauthenticatedError)
        {
            RecordFailure(request, throttle, agentId);
        }

        return Results.Ok(receipt);
    }

    private static async Task<IResult> WaitAsync(string tenant, string name, HttpRequest request, IGrainFactory grains, AuthFailureThrottle throttle)
    {
        var body = await RequestBodies.ReadJsonAsync<WaitBody>(request);
        var approvalId = RouteIds.Key(tenant, name, "approval");
        var agentId = RouteIds.Key(body.AgentId, "agent");
        if (Throttled(request, throttle, agentId) is { } refused)
        {
            return refused;
        }

        var wait = TimeSpan.FromSeconds(Math.Clamp(body.TimeoutSeconds, 0, 20));
        try
        {
            return Results.Ok(await grains.GetGrain<IAgentGrain>(agentId).WaitForApproval(RouteIds.BearerToken(request), approvalId, wait));
        }
        catch (MeshException ex) when (ex.Code == MeshErrorCode.AccessDenied)
        {
            // The agent grain refuses an unknown agent or a wrong token: a failed authentication as that agent.
            RecordFailure(request, throttle, agentId);
            throw;
        }
    }

    // A wrong agent token (or an agent id nobody registered) is a failed authentication as that agent: after
    // Mesh:FreeAuthFailures of them from one address, that agent is refused from that address (429) without the grain
    // checking the token. Other agents, and operator tokens, from the same address are not affected: many agents share
    // one address behind a NAT, and one misconfigured agent must not lock out its neighbours. (So a sweep of made-up
    // ids gets an allowance per id; it is bounded by what the address may send at all, not by this throttle.)
    private static IResult? Throttled(HttpRequest request, AuthFailureThrottle throttle, string agentId) =>
        throttle.IsBlocked(request.HttpContext.Connection.RemoteIpAddress, AuthFailureThrottle.AgentSubject(agentId), out var retryAfter)
            ? new ThrottledResult(retryAfter)
            : null;

    private static void RecordFailure(HttpRequest request, AuthFailureThrottle throttle, string agentId) =>
        throttle.RecordFailure(request.HttpContext.Connection.RemoteIpAddress, AuthFailureThrottle.AgentSubject(agentId));

    private sealed class ThrottledResult(TimeSpan retryAfter) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext) => AuthFailureThrottle.WriteThrottledAsync(httpContext, retryAfter);
    }
}
