using System.Collections.Immutable;

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
