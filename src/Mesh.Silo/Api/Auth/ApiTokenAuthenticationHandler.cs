using System.Security.Claims;
using System.Text.Encodings.Web;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Tokens;
using Mesh.Silo.Api.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Mesh.Silo.Api.Auth;

/// <summary>
/// Authenticates <c>Authorization: Bearer mesh_ot_...</c> API tokens against their token grain (so a revocation takes
/// effect on the next request) and answers 401, 403 and 429 with problem documents. It runs only for the operator
/// endpoints that ask for it (it is not the default scheme): runtime routes carry agent tokens, which are not operator
/// logins and never reach it.
/// </summary>
internal sealed class ApiTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IGrainFactory grains,
    AuthFailureThrottle throttle) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
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
            Context.Items[ThrottledKey] = retryAfter;
            return AuthenticateResult.Fail("too many failed attempts");
        }

        if (!parsed)
        {
            throttle.RecordFailure(address, subject);
            return AuthenticateResult.Fail("malformed token");
        }

        var principal = await grains.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(id!)).Authenticate(secret!);
        if (principal is null)
        {
            throttle.RecordFailure(address, subject);
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
        return ProblemWriter.WriteAsync(Context, StatusCodes.Status403Forbidden, "forbidden", $"Your token's roles ({roles}) do not allow this call.");
    }
}
