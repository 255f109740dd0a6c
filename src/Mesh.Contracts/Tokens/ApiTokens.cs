using System.Collections.Immutable;

namespace Mesh.Contracts.Tokens;

/// <summary>What an admin declares when creating an API token.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApiTokenSpec")]
public sealed record ApiTokenSpec
{
    /// <summary>The person or system the token belongs to; recorded as the actor of everything done with it.</summary>
    [Id(0)] public required string Name { get; init; }

    /// <summary>Roles (at least one).</summary>
    [Id(1)] public ImmutableArray<ApiRole> Roles { get; init; } = ImmutableArray<ApiRole>.Empty;

    /// <summary>Approver groups the holder belongs to (for votes).</summary>
    [Id(2)] public ImmutableArray<string> Groups { get; init; } = ImmutableArray<string>.Empty;
}

/// <summary>An API token as admins see it (never the secret).</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApiTokenInfo")]
public sealed record ApiTokenInfo
{
    /// <summary>The public token id (the part before the dot).</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>Holder.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>Roles.</summary>
    [Id(2)] public ImmutableArray<ApiRole> Roles { get; init; } = ImmutableArray<ApiRole>.Empty;

    /// <summary>Approver groups.</summary>
    [Id(3)] public ImmutableArray<string> Groups { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>When created.</summary>
    [Id(4)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Who created it.</summary>
    [Id(5)] public string? CreatedBy { get; init; }

    /// <summary>True once revoked.</summary>
    [Id(6)] public bool Revoked { get; init; }

    /// <summary>When revoked.</summary>
    [Id(7)] public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A newly created API token: the only time the full token is shown.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApiTokenIssued")]
public sealed record ApiTokenIssued
{
    /// <summary>The token as stored.</summary>
    [Id(0)] public required ApiTokenInfo Info { get; init; }

    /// <summary>The bearer token (<c>mesh_ot_&lt;id&gt;.&lt;secret&gt;</c>). Mesh keeps only a hash of the secret.</summary>
    [Id(1)] public required string Token { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"ApiTokenIssued {{ Id = {Info.Id}, Name = {Info.Name}, Token = <redacted> }}";
}

/// <summary>Who an authenticated API token belongs to.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApiPrincipal")]
public sealed record ApiPrincipal
{
    /// <summary>The token id.</summary>
    [Id(0)] public required string TokenId { get; init; }

    /// <summary>Holder.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>Roles.</summary>
    [Id(2)] public ImmutableArray<ApiRole> Roles { get; init; } = ImmutableArray<ApiRole>.Empty;

    /// <summary>Approver groups.</summary>
    [Id(3)] public ImmutableArray<string> Groups { get; init; } = ImmutableArray<string>.Empty;
}

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
