using System.Collections.Immutable;

namespace Mesh.Contracts.Approvals;

/// <summary>
/// One human approval, keyed <c>tenant/apr-…</c>. It holds the exact request and its digest, the policy version,
/// votes, quorum, deadline and escalation, and is consumed at most once.
/// </summary>
public interface IApprovalGrain : IGrainWithStringKey
{
    /// <summary>Opens the approval; idempotent for the same request digest.</summary>
    Task<ApprovalView> Open(ApprovalOpening opening);

    /// <summary>Records a vote, enforcing eligibility, separation of duties and one vote per approver.</summary>
    Task<ApprovalView> Vote(ApprovalVote vote);

    /// <summary>
    /// Whether <paramref name="approverId"/>, in <paramref name="approverGroups"/>, may vote now: the same checks, in
    /// the same order and with the same messages, as <see cref="Vote"/>. Changes nothing.
    /// </summary>
    /// <exception cref="Errors.MeshException">With <see cref="Errors.MeshErrorCode.NotFound"/> when no approval was opened under this id.</exception>
    [ReadOnly]
    Task<VoterCheck> CheckVoter(string approverId, ImmutableArray<string> approverGroups);

    /// <summary>Cancels a pending approval.</summary>
    Task<ApprovalView> Cancel(string actor, string? reason);

    /// <summary>Uses a granted approval once, if it matches the agent, request digest and policy version.</summary>
    Task<ApprovalConsumeResult> Consume(string agentId, string requestDigest, long policyVersion);

    /// <summary>The approval with the full request.</summary>
    [ReadOnly]
    Task<ApprovalView> Get();

    /// <summary>
    /// Long poll: returns as soon as the approval's revision differs from <paramref name="knownRevision"/> or
    /// its status is final, else after <paramref name="maxWait"/> (at most 20 seconds).
    /// </summary>
    [AlwaysInterleave]
    Task<ApprovalView> Watch(int knownRevision, TimeSpan maxWait);
}
