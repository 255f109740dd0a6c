using System.Collections.Immutable;

namespace Mesh.Contracts.Tokens;

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
