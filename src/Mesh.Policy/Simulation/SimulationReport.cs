namespace Mesh.Policy.Simulation;

/// <summary>The outcome of replaying recorded requests against a candidate policy.</summary>
/// <param name="Requests">How many requests were replayed.</param>
/// <param name="Changed">How many would be decided differently (effect or reason) than recorded.</param>
/// <param name="Unchanged">How many would be decided as recorded.</param>
/// <param name="DecidedOutsidePolicy">Of the unchanged: recorded decisions a stage outside the policy made (a revoked credential, a paused agent, a rate limit, ...) that the candidate cannot change.</param>
/// <param name="ComparedWithActivePolicy">Requests replayed without a recorded decision, compared with the active policy's answer instead.</param>
/// <param name="Changes">Every decision that would change.</param>
public sealed record SimulationReport(int Requests, int Changed, int Unchanged, int DecidedOutsidePolicy, int ComparedWithActivePolicy, IReadOnlyList<DecisionChange> Changes);
