using System.Collections.Immutable;
using Mesh.Contracts.Decisions;

namespace Mesh.Contracts.Shadow;

/// <summary>
/// Where decisions report that the shadow policy would have decided differently from the active one (key: tenant).
/// Only differences are sent, so agreeing decisions cost no call.
/// </summary>
public interface IShadowReportGrain : IGrainWithStringKey
{
    /// <summary>Records one difference (fire and forget from the decision path).</summary>
    [OneWay]
    Task Record(ShadowDifference difference);

    /// <summary>Counts of differences and examples, for the shadow version currently running.</summary>
    [ReadOnly]
    Task<ShadowReport> GetReport();

    /// <summary>Starts a fresh report for a new shadow version.</summary>
    Task Reset(long shadowVersion, long activeVersion);
}

/// <summary>One decision the shadow policy would have changed.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ShadowDifference")]
public sealed record ShadowDifference
{
    /// <summary>The shadow version that was evaluated.</summary>
    [Id(0)] public required long ShadowVersion { get; init; }

    /// <summary>The request id.</summary>
    [Id(1)] public required string RequestId { get; init; }

    /// <summary>The agent.</summary>
    [Id(2)] public required string AgentId { get; init; }

    /// <summary>Tool.</summary>
    [Id(3)] public required string Tool { get; init; }

    /// <summary>Operation.</summary>
    [Id(4)] public required string Operation { get; init; }

    /// <summary>Target.</summary>
    [Id(5)] public string? Target { get; init; }

    /// <summary>What the active policy decided.</summary>
    [Id(6)] public required Effect ActiveEffect { get; init; }

    /// <summary>Its rule.</summary>
    [Id(7)] public string? ActiveRule { get; init; }

    /// <summary>What the shadow policy would have decided.</summary>
    [Id(8)] public required Effect ShadowEffect { get; init; }

    /// <summary>Its rule.</summary>
    [Id(9)] public string? ShadowRule { get; init; }

    /// <summary>When.</summary>
    [Id(10)] public DateTimeOffset At { get; init; }
}

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
