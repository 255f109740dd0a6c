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
