using System.Collections.Immutable;
using Mesh.Contracts.Fleet;

namespace Mesh.Contracts.Agents;

/// <summary>What an operator declares about an agent when registering it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.AgentRegistration")]
public sealed record AgentRegistration
{
    /// <summary>Roles policies match on, e.g. <c>coder</c>, <c>support</c>.</summary>
    [Id(0)] public ImmutableArray<string> Roles { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Credential ids (<c>tenant/credential</c>) the agent may use.</summary>
    [Id(1)] public ImmutableArray<string> Credentials { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>The parent agent (<c>tenant/agent</c>) whose grants bound this sub-agent, if any.</summary>
    [Id(2)] public string? ParentAgentId { get; init; }

    /// <summary>The person or team responsible for the agent; they may not approve its requests.</summary>
    [Id(3)] public string? Owner { get; init; }

    /// <summary>A limit on all the agent's allowed actions.</summary>
    [Id(4)] public RateLimit? RateLimit { get; init; }

    /// <summary>Limits per tool (key: tool name) on the agent's allowed actions.</summary>
    [Id(5)] public ImmutableDictionary<string, RateLimit> ToolRateLimits { get; init; } = ImmutableDictionary<string, RateLimit>.Empty;

    /// <summary>
    /// Grant credentials that are not issued yet (they are issued after the agent is registered). Without it a
    /// registration naming a credential that was never issued is refused, so a typo cannot pass silently. A revoked or
    /// expired credential is refused either way.
    /// </summary>
    [Id(6)] public bool AllowUnissuedCredentials { get; init; }
}

/// <summary>The answer to a registration or token rotation: the only time the agent token is ever shown.</summary>
[GenerateSerializer, Immutable, Alias("mesh.AgentTokenReceipt")]
public sealed record AgentTokenReceipt
{
    /// <summary>The agent id.</summary>
    [Id(0)] public required string AgentId { get; init; }

    /// <summary>The agent token. Mesh keeps only its hash; store it in the runtime's secret store.</summary>
    [Id(1)] public required string Token { get; init; }

    /// <summary>When the token was issued.</summary>
    [Id(2)] public required DateTimeOffset IssuedAt { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"AgentTokenReceipt {{ AgentId = {AgentId}, Token = <redacted>, IssuedAt = {IssuedAt:O} }}";
}

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
