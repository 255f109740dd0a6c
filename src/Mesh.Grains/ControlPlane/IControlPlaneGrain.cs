using System.Text.Json;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// The durable, ordered record of the fleet-wide state (one per cluster, key <see cref="Key"/>). Owners commit each
/// change here before pushing it to the silos; silos load the whole record when they join and ask for what they
/// missed when they renew their lease.
/// </summary>
internal interface IControlPlaneGrain : IGrainWithStringKey
{
    public const string Key = "sys/control-plane";

    /// <summary>
    /// Makes the change durable and gives it the next epoch. A change whose revision is older than the stored entry's is
    /// not applied, and one with the same revision and content is the same change retried: both return the stored entry.
    /// </summary>
    Task<ControlChange> Commit(ControlChange change);

    /// <summary>Every entry committed after <paramref name="sinceEpoch"/> (all of them for 0), and the current epoch.</summary>
    [AlwaysInterleave]
    Task<ControlSync> Sync(long sinceEpoch);
}
