namespace Mesh.Contracts.Tokens;

/// <summary>One API token, keyed <c>sys/token-&lt;id&gt;</c>: holder, roles, groups and the secret's hash.</summary>
public interface IApiTokenGrain : IGrainWithStringKey
{
    /// <summary>Stores a new token (called by the registry).</summary>
    Task<ApiTokenInfo> Create(ApiTokenSpec spec, byte[] secretHash);

    /// <summary>The principal when <paramref name="secret"/> is this token's live secret, else null.</summary>
    [ReadOnly]
    Task<ApiPrincipal?> Authenticate(string secret);

    /// <summary>Revokes the token; it stops working at once.</summary>
    Task<ApiTokenInfo> Revoke();

    /// <summary>The token as admins see it; null when it does not exist.</summary>
    [ReadOnly]
    Task<ApiTokenInfo?> GetInfo();
}
