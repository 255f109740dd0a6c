using Mesh.Policy.Evaluation;

namespace Mesh.Policy.Simulation;

/// <summary>A request to replay.</summary>
/// <param name="RequestId">The recorded request id.</param>
/// <param name="Input">What the policy sees of it.</param>
/// <param name="Recorded">The decision the mesh made for it, when known; without it the active policy's answer is the baseline.</param>
public sealed record SimulatedRequest(string? RequestId, PolicyInput Input, SimulatedOutcome? Recorded);
