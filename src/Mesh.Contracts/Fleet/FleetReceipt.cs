using System.Collections.Immutable;

namespace Mesh.Contracts.Fleet;

/// <summary>
/// What a fleet-wide change (revoke, suspend, pause, emergency stop, policy activation) achieved before its call
/// returned: the change was durable at <see cref="Epoch"/>, and <see cref="SilosAcknowledged"/> of
/// <see cref="SilosLive"/> silos had applied it to the view their decisions read. A silo listed in
/// <see cref="Unconfirmed"/> did not answer; the call waited until that silo's control-plane lease had run out, so it
/// is denying with <c>control_plane_stale</c> until it catches up. See docs/GUARANTEES.md.
/// </summary>
[GenerateSerializer, Immutable, Alias("mesh.FleetReceipt")]
public sealed record FleetReceipt
{
    /// <summary>The cluster-wide control-plane epoch the change was committed at (increases with every change).</summary>
    [Id(0)] public long Epoch { get; init; }

    /// <summary>Silos that confirmed they apply the change (this one included).</summary>
    [Id(1)] public int SilosAcknowledged { get; init; }

    /// <summary>Silos the cluster membership listed as active when the call returned.</summary>
    [Id(2)] public int SilosLive { get; init; }

    /// <summary>From the start of the change until every live silo had confirmed it (or its lease had run out).</summary>
    [Id(3)] public TimeSpan Elapsed { get; init; }

    /// <summary>Active silos that did not confirm the change, by address; empty when every live silo did.</summary>
    [Id(4)] public ImmutableArray<string> Unconfirmed { get; init; } = [];

    /// <summary>True when every live silo confirmed the change.</summary>
    public bool Complete => SilosAcknowledged >= SilosLive && (Unconfirmed.IsDefaultOrEmpty);
}
