namespace Mesh.Contracts.Fleet;

/// <summary>Fleet-wide controls (one per cluster, key <c>sys/fleet</c>): the emergency stop.</summary>
public interface IFleetGrain : IGrainWithStringKey
{
    /// <summary>The grain's key.</summary>
    public const string Key = "sys/fleet";

    /// <summary>Engages the emergency stop: every decision of every agent is denied <c>emergency_stop</c>.</summary>
    [Audit.AuditedAction("fleet.emergency_stop")]
    Task<FleetStatus> EngageEmergencyStop(string? reason);

    /// <summary>Releases the emergency stop; <paramref name="reason"/> (optional) is kept in the status and the audit record.</summary>
    [Audit.AuditedAction("fleet.release_emergency_stop")]
    Task<FleetStatus> ReleaseEmergencyStop(string? reason);

    /// <summary>The current fleet status.</summary>
    [ReadOnly]
    ValueTask<FleetStatus> GetStatus();
}
