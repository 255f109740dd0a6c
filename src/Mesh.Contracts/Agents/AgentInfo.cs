using Mesh.Contracts.Fleet;

namespace Mesh.Contracts.Agents;

/// <summary>An agent as operators see it (never the token or its hash).</summary>
[GenerateSerializer, Immutable, Alias("mesh.AgentInfo")]
public sealed record AgentInfo
{
    /// <summary>The agent id.</summary>
    [Id(0)] public required string AgentId { get; init; }

    /// <summary>Current status.</summary>
    [Id(1)] public required AgentStatus Status { get; init; }

    /// <summary>The registration as last set.</summary>
    [Id(2)] public AgentRegistration? Registration { get; init; }

    /// <summary>Why the agent was last paused or quarantined.</summary>
    [Id(3)] public string? StatusReason { get; init; }

    /// <summary>When it was registered.</summary>
    [Id(4)] public DateTimeOffset? RegisteredAt { get; init; }

    /// <summary>Decisions made since the grain activated, by effect (allow, deny, require approval).</summary>
    [Id(5)] public long Allowed { get; init; }

    /// <summary>Denied decisions since activation.</summary>
    [Id(6)] public long Denied { get; init; }

    /// <summary>Decisions requiring approval since activation.</summary>
    [Id(7)] public long ApprovalsRequested { get; init; }

    /// <summary>Who registered the agent.</summary>
    [Id(8)] public string? RegisteredBy { get; init; }

    /// <summary>Who last changed its status.</summary>
    [Id(9)] public string? StatusChangedBy { get; init; }

    /// <summary>What the change reached across the fleet before the call returned (set on the answers of changing calls).</summary>
    [Id(10)] public FleetReceipt? Receipt { get; init; }
}
