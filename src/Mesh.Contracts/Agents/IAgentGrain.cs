using System.Collections.Immutable;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Security;

namespace Mesh.Contracts.Agents;

/// <summary>
/// One agent, keyed <c>tenant/agent</c>. It holds the agent's live permission state (status, roles, grants,
/// parent, token hash) and its rate-limit buckets, and makes every decision for the agent in memory.
/// </summary>
public interface IAgentGrain : IGrainWithStringKey
{
    /// <summary>Decides whether the action may happen. Never throws for bad input: it denies with a reason.</summary>
    [RuntimeSurface]
    Task<Decision> Decide(ActionRequest request);

    /// <summary>Reports what happened after an allowed action ran.</summary>
    [RuntimeSurface]
    Task<OutcomeReceipt> ReportOutcome(OutcomeReport report);

    /// <summary>Waits (up to <paramref name="maxWait"/>, at most 20 s per call) for one of this agent's approvals to be decided.</summary>
    [RuntimeSurface, AlwaysInterleave]
    Task<ApprovalWaitResult> WaitForApproval(string agentToken, string approvalId, TimeSpan maxWait);

    /// <summary>Registers the agent and returns its token (shown only here).</summary>
    [Audit.AuditedAction("agent.register")]
    Task<AgentTokenReceipt> Register(AgentRegistration registration);

    /// <summary>Replaces the agent's token; the old one stops working at once.</summary>
    [Audit.AuditedAction("agent.rotate_token")]
    Task<AgentTokenReceipt> RotateToken();

    /// <summary>Pauses the agent: every decision is denied <c>agent_paused</c>.</summary>
    [Audit.AuditedAction("agent.pause")]
    Task<AgentInfo> Pause(string? reason);

    /// <summary>Quarantines the agent: every decision is denied <c>agent_quarantined</c>.</summary>
    [Audit.AuditedAction("agent.quarantine")]
    Task<AgentInfo> Quarantine(string? reason);

    /// <summary>Returns a paused or quarantined agent to active.</summary>
    [Audit.AuditedAction("agent.resume")]
    Task<AgentInfo> Resume();

    /// <summary>The agent as operators see it.</summary>
    [ReadOnly]
    Task<AgentInfo> GetInfo();

    /// <summary>
    /// Called by a sub-agent's grain: would this (parent) agent be allowed to do this? The parent's status, grants,
    /// credential and policy (with the parent's roles) all bound the child. Consumes no rate limit.
    /// </summary>
    [ReadOnly]
    Task<DelegationVerdict> CheckDelegation(DelegationCheck check);
}

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

/// <summary>A parent's answer for its sub-agent.</summary>
[GenerateSerializer, Immutable, Alias("mesh.DelegationVerdict")]
public sealed record DelegationVerdict
{
    /// <summary>The parent's effect: a deny bounds the child.</summary>
    [Id(0)] public required Effect Effect { get; init; }

    /// <summary>The parent's reason.</summary>
    [Id(1)] public required ReasonCode Reason { get; init; }

    /// <summary>Explanation.</summary>
    [Id(2)] public required string Message { get; init; }

    /// <summary>The parent's deciding rule, if any.</summary>
    [Id(3)] public string? RuleId { get; init; }

    /// <summary>When the parent requires approval: the approval its rule asks for.</summary>
    [Id(4)] public Approvals.ApprovalPolicy? Approval { get; init; }
}
