namespace Mesh.Contracts.Fleet;

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
