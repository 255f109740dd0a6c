using Mesh.Contracts.Agents;

namespace Mesh.Grains.ControlPlane;

/// <summary>An agent's status as every silo's view holds it (only agents ever paused or quarantined have one).</summary>
[GenerateSerializer, Immutable, Alias("mesh.AgentGate")]
internal sealed record AgentGate
{
    [Id(0)] public required string AgentId { get; init; }

    [Id(1)] public AgentStatus Status { get; init; }

    [Id(2)] public string? Reason { get; init; }

    [Id(3)] public long Revision { get; init; }
}
