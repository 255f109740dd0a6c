using System.Collections.Immutable;

namespace Mesh.Contracts.Tokens;

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
