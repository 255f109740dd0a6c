using System.Security.Claims;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Tokens;

namespace Mesh.Silo.Api.Auth;

/// <summary>
/// Re-checks, in the middle of a long response (an audit tail), that the API token the request was authenticated with
/// still authenticates now, against its token grain's live state: a token revoked after the stream opened must not
/// keep reading.
/// </summary>
internal static class LiveApiToken
{
    /// <summary>True while the request's token is live and is still the token the request was authenticated as.</summary>
    public static async Task<bool> IsLiveAsync(HttpContext context, IGrainFactory grains)
    {
        if (!ApiTokenFormat.TryParse(ApiTokenAuthenticationHandler.BearerOf(context.Request), out var id, out var secret))
        {
            return false;
        }

        var principal = await grains.GetGrain<IApiTokenGrain>(ApiTokenFormat.GrainKey(id)).Authenticate(secret);
        return principal is not null
            && string.Equals(principal.TokenId, context.User.FindFirstValue(ApiTokenAuthenticationHandler.TokenIdClaim), StringComparison.Ordinal);
    }
}
