namespace Mesh.LoadTests.Running;

/// <summary>What a run has done so far, updated by the callers and read by the progress reporter.</summary>
internal sealed class RunCounters
{
    /// <summary>Measured calls that completed (sent inside the measurement window).</summary>
    public long Ops;

    /// <summary>Measured calls that failed.</summary>
    public long Errors;

    /// <summary>Warm-up calls that completed, failed or not; they are never part of the results.</summary>
    public long WarmupCalls;

    /// <summary>Calls sent and not yet returned.</summary>
    public long InFlight;
}
