using Mesh.Contracts.Decisions;

namespace Mesh.Contracts.Shadow;

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
