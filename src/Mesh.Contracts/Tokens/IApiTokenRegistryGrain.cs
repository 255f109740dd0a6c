using System.Collections.Immutable;

namespace Mesh.Contracts.Tokens;

/// <summary>The index of API tokens (one per cluster, key <c>sys/api-tokens</c>).</summary>
public interface IApiTokenRegistryGrain : IGrainWithStringKey
{
    /// <summary>The registry's key.</summary>
    public const string Key = "sys/api-tokens";

    /// <summary>Creates a token and returns it (once).</summary>
    [Audit.AuditedAction("api_token.create")]
    Task<ApiTokenIssued> Create(ApiTokenSpec spec);

    /// <summary>Every token (never secrets).</summary>
    [ReadOnly]
    Task<ImmutableArray<ApiTokenInfo>> List();

    /// <summary>Revokes a token.</summary>
    [Audit.AuditedAction("api_token.revoke")]
    Task<ApiTokenInfo> Revoke(string tokenId);

    /// <summary>On a cluster with no token at all, creates the first admin token and returns it; else null.</summary>
    [Audit.AuditedAction("api_token.bootstrap")]
    Task<ApiTokenIssued?> Bootstrap();

    /// <summary>True once the cluster has any API token, live or revoked (from then on nothing is bootstrapped).</summary>
    [ReadOnly]
    Task<bool> HasTokens();

    /// <summary>
    /// On a cluster with no token at all, stores an operator-supplied first admin token and returns it; else null.
    /// Only the token's public id and the SHA-256 hash of its secret are passed: the secret never leaves the silo that
    /// read it.
    /// </summary>
    [Audit.AuditedAction("api_token.bootstrap_preset")]
    Task<ApiTokenInfo?> BootstrapPreset(string tokenId, byte[] secretHash);
}
