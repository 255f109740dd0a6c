using System.Collections.Immutable;

namespace Mesh.Contracts.Credentials;

/// <summary>What a credential may be used for. Each list holds globs (<c>*</c>, <c>?</c>); an empty list means "any".</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialScope")]
public sealed record CredentialScope
{
    /// <summary>Tools, e.g. <c>git</c>.</summary>
    [Id(0)] public ImmutableArray<string> Tools { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Operations, e.g. <c>push</c>.</summary>
    [Id(1)] public ImmutableArray<string> Operations { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Targets, e.g. <c>github.com/acme/*</c>.</summary>
    [Id(2)] public ImmutableArray<string> Targets { get; init; } = ImmutableArray<string>.Empty;
}
