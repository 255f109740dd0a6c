using System.Security.Claims;
using System.Text.Encodings.Web;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Tokens;
using Mesh.Silo.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mesh.Silo.Api.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer mesh_ot_...</c> API tokens against their token grain (so a revocation takes
/// effect on the next request) and answers 401, 403 and 429 with problem documents. It runs only for the operator
/// endpoints that ask for it (it is not the default scheme): runtime routes carry agent tokens, which are not operator
/// logins and never reach it.
/// </summary>
/// <remarks>
/// It logs for itself rather than through the base class, whose line for every failure ("was not authenticated.
/// Failure message: ...") is at information level whatever the cause: a refused token is a warning here, with the
/// address, the route and the token's public id, never the token.
/// </remarks>
internal sealed partial class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILogger<ApiTokenAuthenticationHandler> logger,
    UrlEncoder encoder,
    IGrainFactory grains,
    AuthFailureThrottle throttle) : AuthenticationHandler<AuthenticationSchemeOptions>(options, NullLoggerFactory.Instance, encoder)
{
    public const string SchemeName = "MeshApiToken";
    public const string GroupClaim = "mesh:group";
    public const string TokenIdClaim = "mesh:token-id";
    private const string ThrottledKey = "mesh:throttled";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header))
        {
            return AuthenticateResult.NoResult();
        }

        // Failures are throttled per address and token id: a flood of wrong tokens, or an agent token sent here by
        // mistake, never locks out a valid token it does not name (AuthFailureThrottle says why).
        var token = BearerOf(Request);
        var parsed = ApiTokenFormat.TryParse(token, out var id, out var secret);
        var subject = parsed ? AuthFailureThrottle.TokenSubject(id!) : AuthFailureThrottle.MalformedSubject;
        var address = Context.Connection.RemoteIpAddress;
        if (throttle.IsBlocked(address, subject, out var retryAfter))
        {
            // The failures that led here were each logged as a warning; the flood after them is not.
            LogDebugApiTokenThrottled(logger, address, Request.Method, Request.Path.ToUriComponent(), retryAfter);
            Context.Items[ThrottledKey] = retryAfter;
            return AuthenticateResult.Fail("too many failed attempts");
        }

        if (!parsed)
        {
            throttle.RecordFailure(address, subject);
            LogWarningApiTokenRefused(logger, address, Request.Method, Request.Path.ToUriComponent(), "not an API token (mesh_ot_...)", "none");
            return AuthenticateResult.Fail("malformed token");
        }

        var principal = await grains.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(id!)).Authenticate(secret!);
        if (principal is null)
        {
            throttle.RecordFailure(address, subject);
            LogWarningApiTokenRefused(logger, address, Request.Method, Request.Path.ToUriComponent(), "unknown or revoked token", id!);
            return AuthenticateResult.Fail("unknown or revoked token");
        }

        var claims = new List<Claim> { new(ClaimTypes.Name, principal.Name), new(TokenIdClaim, principal.TokenId) };
        claims.AddRange(principal.Roles.Select(r => new Claim(ClaimTypes.Role, ApiPolicies.RoleName(r))));
        claims.AddRange(principal.Groups.Select(g => new Claim(GroupClaim, g)));
        var identity = new ClaimsIdentity(claims, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    /// <summary>The bearer string of <c>Authorization: Bearer ...</c>, or null when the header holds no bearer token.</summary>
    internal static string? BearerOf(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (Context.Items.TryGetValue(ThrottledKey, out var value) && value is TimeSpan retryAfter)
        {
            return AuthFailureThrottle.WriteThrottledAsync(Context, retryAfter);
        }

        Response.Headers.WWWAuthenticate = "Bearer";
        var detail = string.IsNullOrEmpty(Request.Headers.Authorization)
            ? "Send an API token: Authorization: Bearer mesh_ot_..."
            : "The API token is malformed, unknown or revoked.";
        return ProblemWriter.WriteAsync(Context, StatusCodes.Status401Unauthorized, "unauthorized", detail);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var roles = string.Join(", ", Context.User.FindAll(ClaimTypes.Role).Select(c => c.Value));
        LogInformationApiTokenForbidden(logger, Context.User.FindFirstValue(TokenIdClaim), roles, Request.Method, Request.Path.ToUriComponent());
        return ProblemWriter.WriteAsync(Context, StatusCodes.Status403Forbidden, "forbidden", $"Your token's roles ({roles}) do not allow this call.");
    }

    // The path is logged escaped (ToUriComponent): a request cannot write line breaks or escapes into the log.
    [LoggerMessage(Level = LogLevel.Warning, Message = "API token refused from {Address} for {Method} {Path}: {Reason} (token id {TokenId})")]
    private static partial void LogWarningApiTokenRefused(ILogger logger, System.Net.IPAddress? address, string method, string path, string reason, string tokenId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "API token from {Address} for {Method} {Path} not checked: too many failed attempts, retry after {RetryAfter}")]
    private static partial void LogDebugApiTokenThrottled(ILogger logger, System.Net.IPAddress? address, string method, string path, TimeSpan retryAfter);

    [LoggerMessage(Level = LogLevel.Information, Message = "API token {TokenId} (roles {Roles}) may not call {Method} {Path}")]
    private static partial void LogInformationApiTokenForbidden(ILogger logger, string? tokenId, string roles, string method, string path);
}
