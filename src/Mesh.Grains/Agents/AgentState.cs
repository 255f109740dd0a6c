using Mesh.Contracts.Agents;

namespace Mesh.Grains.Agents;

/// <summary>Persisted state of an agent. Rate-limit buckets and recent decisions live in memory only.</summary>
[GenerateSerializer, Alias("mesh.state.Agent")]
internal sealed class AgentState
{
    [Id(0)] public AgentStatus Status { get; set; }

    [Id(1)] public AgentRegistration? Registration { get; set; }

    /// <summary>SHA-256 of the agent token; the token itself is never stored.</summary>
    [Id(2)] public byte[]? TokenHash { get; set; }

    [Id(3)] public string? StatusReason { get; set; }

    [Id(4)] public DateTimeOffset? RegisteredAt { get; set; }

    [Id(5)] public DateTimeOffset? TokenIssuedAt { get; set; }

    [Id(6)] public string? RegisteredBy { get; set; }

    [Id(7)] public string? StatusChangedBy { get; set; }

    /// <summary>Counts status changes; orders this agent's entries in the fleet-wide control-plane record.</summary>
    [Id(8)] public long ControlRevision { get; set; }
}
