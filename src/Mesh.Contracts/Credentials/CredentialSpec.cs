using System.Collections.Immutable;

namespace Mesh.Contracts.Credentials;

/// <summary>What an operator declares when issuing a credential.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialSpec")]
public sealed record CredentialSpec
{
    /// <summary>Scopes; the credential covers a request when any scope covers it.</summary>
    [Id(0)] public ImmutableArray<CredentialScope> Scopes { get; init; } = ImmutableArray<CredentialScope>.Empty;

    /// <summary>When the credential stops being usable; null: never.</summary>
    [Id(1)] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>What it is for, for people.</summary>
    [Id(2)] public string? Description { get; init; }
}
