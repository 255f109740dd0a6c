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

/// <summary>Fleet-wide state.</summary>
[GenerateSerializer, Immutable, Alias("mesh.FleetStatus")]
public sealed record FleetStatus
{
    /// <summary>True while the emergency stop is engaged.</summary>
    [Id(0)] public bool EmergencyStop { get; init; }

    /// <summary>Why it was engaged.</summary>
    [Id(1)] public string? Reason { get; init; }

    /// <summary>Who engaged or released it last.</summary>
    [Id(2)] public string? ChangedBy { get; init; }

    /// <summary>When it last changed.</summary>
    [Id(3)] public DateTimeOffset? ChangedAt { get; init; }

    /// <summary>Increases with every change; silos keep the newest they have seen.</summary>
    [Id(4)] public long Revision { get; init; }

    /// <summary>What the change reached across the fleet before the call returned (set on the answers of changing calls).</summary>
    [Id(5)] public FleetReceipt? Receipt { get; init; }
}
