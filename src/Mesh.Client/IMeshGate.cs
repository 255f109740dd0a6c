using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;

namespace Mesh.Client;

/// <summary>
/// The runtime's gate to the mesh: ask before every tool call, wait for approvals, report outcomes.
/// Every method fails closed: if the mesh cannot answer in time the result is a deny, never an allow.
/// </summary>
public interface IMeshGate : IAsyncDisposable
{
    /// <summary>
    /// Asks whether the action may happen. Returns the mesh's decision, or a deny with reason
    /// <see cref="ReasonCode.MeshUnavailable"/> when the mesh cannot be reached within the decision timeout; that
    /// deny's message names the gateways tried and why none answered.
    /// </summary>
    /// <exception cref="OperationCanceledException">Only when <paramref name="cancellationToken"/> is cancelled.</exception>
    Task<Decision> CheckAsync(ActionRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for an approval the agent's request opened. Returns as soon as an
    /// approver decides. Anything but <see cref="ApprovalStatus.Granted"/> means "do not proceed".
    /// </summary>
    Task<ApprovalWaitResult> WaitForApprovalAsync(string agentId, string agentToken, string approvalId, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Reports what happened after an allowed action ran.</summary>
    Task<OutcomeReceipt> ReportOutcomeAsync(OutcomeReport report, CancellationToken cancellationToken = default);
}
