namespace Mesh.Policy.Simulation;

/// <summary>A recorded request whose decision would change under the candidate policy.</summary>
/// <param name="Index">Position of the request in the replayed set (0-based).</param>
/// <param name="RequestId">The recorded request id.</param>
/// <param name="AgentId">The agent.</param>
/// <param name="Tool">Tool.</param>
/// <param name="Operation">Operation.</param>
/// <param name="Target">Target.</param>
/// <param name="Recorded">The decision that was made (or, without a record, the active policy's), with its source.</param>
/// <param name="Candidate">The decision under the candidate.</param>
public sealed record DecisionChange(
    int Index, string? RequestId, string? AgentId, string Tool, string Operation, string? Target, SimulatedOutcome Recorded, SimulatedOutcome Candidate);
