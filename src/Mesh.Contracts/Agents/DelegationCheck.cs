using System.Collections.Immutable;

namespace Mesh.Contracts.Agents;

/// <summary>The parts of a request a parent agent is asked about on behalf of its sub-agent.</summary>
[GenerateSerializer, Immutable, Alias("mesh.DelegationCheck")]
public sealed record DelegationCheck
{
    /// <summary>The requesting sub-agent (for messages).</summary>
    [Id(0)] public required string ChildAgentId { get; init; }

    /// <summary>Tool.</summary>
    [Id(1)] public required string Tool { get; init; }

    /// <summary>Operation.</summary>
    [Id(2)] public required string Operation { get; init; }

    /// <summary>Target.</summary>
    [Id(3)] public string? Target { get; init; }

    /// <summary>Credential.</summary>
    [Id(4)] public string? CredentialId { get; init; }

    /// <summary>Workflow.</summary>
    [Id(5)] public string? Workflow { get; init; }

    /// <summary>Data labels.</summary>
    [Id(6)] public ImmutableArray<string> DataLabels { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>How many ancestors were already asked (bounds the chain).</summary>
    [Id(7)] public int Depth { get; init; }

    /// <summary>Request attributes.</summary>
    [Id(8)] public ImmutableDictionary<string, string> Attributes { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Request evidence.</summary>
    [Id(9)] public ImmutableDictionary<string, string> Evidence { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The child's session.</summary>
    [Id(10)] public string? SessionId { get; init; }

    /// <summary>Labels the child's session has seen.</summary>
    [Id(11)] public ImmutableArray<string> SessionLabels { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Actions the child's session has taken.</summary>
    [Id(12)] public int SessionActions { get; init; }

    /// <summary>Destination categories the guard blocked for the target.</summary>
    [Id(13)] public int BlockedDestinations { get; init; }
}
