using System.Collections.Immutable;

namespace Mesh.Contracts.Shadow;

/// <summary>What shadow evaluation found so far.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ShadowReport")]
public sealed record ShadowReport
{
    /// <summary>The shadow version (0: none running).</summary>
    [Id(0)] public long ShadowVersion { get; init; }

    /// <summary>The active version it is compared with.</summary>
    [Id(1)] public long ActiveVersion { get; init; }

    /// <summary>Differences seen.</summary>
    [Id(2)] public long Differences { get; init; }

    /// <summary>Counts by change, keyed "active_effect -> shadow_effect", e.g. "allow -> deny".</summary>
    [Id(3)] public ImmutableDictionary<string, long> ByChange { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>Up to 20 recent examples.</summary>
    [Id(4)] public ImmutableArray<ShadowDifference> Examples { get; init; } = ImmutableArray<ShadowDifference>.Empty;

    /// <summary>Since when.</summary>
    [Id(5)] public DateTimeOffset? Since { get; init; }
}
