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
