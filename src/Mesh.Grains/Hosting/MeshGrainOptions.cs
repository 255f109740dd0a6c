using System.Security.Cryptography;

namespace Mesh.Grains.Hosting;

/// <summary>Settings of Mesh's grains that every silo of a cluster must share.</summary>
public sealed class MeshGrainOptions
{
    // One secret per process: all silos of an in-process cluster (embedded mode, tests) agree without configuration.
    private static readonly string ProcessSecret = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// Proves that an operator call came from inside the cluster (a silo's own code or a grain), not from an
    /// Orleans client. Every silo of a multi-process cluster must be given the same value; when left empty a
    /// random per-process secret is used, which is right for a single silo or an in-process cluster.
    /// </summary>
    public string? ClusterSecret { get; set; }

    /// <summary>
    /// The clock for expiry, rate limits and timestamps. Tests set a fake one. It is Mesh's own: Orleans' internal
    /// timers keep the real clock, so freezing Mesh's time never freezes the cluster.
    /// </summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>
    /// Resolves host names for the destination guard. Default: the system resolver behind a 30-second cache. Tests
    /// replace it so no test depends on real DNS.
    /// </summary>
    public Mesh.Policy.Destinations.IDestinationResolver? DestinationResolver { get; set; }

    /// <summary>How long the destination guard waits for a name to resolve before denying.</summary>
    public TimeSpan ResolveTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a silo's control-plane view counts as current after the silo last confirmed it with the control
    /// plane. A silo that cannot confirm within this time denies with <c>control_plane_stale</c> (see
    /// <see cref="StaleDenies"/>) until it can; a fleet-wide change whose push a silo does not acknowledge waits at
    /// most this long (plus a margin) before returning. Default 5 seconds.
    /// </summary>
    public TimeSpan ControlPlaneLease { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo confirms its view with the control plane. Default 1 second; keep it well under the lease.</summary>
    public TimeSpan ControlPlaneRenewInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The clock leases are measured with. Real time by default, apart from <see cref="TimeProvider"/>: freezing or
    /// jumping Mesh's business time in a test must not expire every lease. Tests of the lease itself set a fake one.
    /// </summary>
    public TimeProvider LeaseTimeProvider { get; set; } = TimeProvider.System;

    /// <summary>What a silo whose view is not current denies. Default: every action (fail closed).</summary>
    public StaleViewPolicy StaleDenies { get; set; } = StaleViewPolicy.AllActions;

    /// <summary>How the audit trail is written: durability, batching, checkpoints and their signing key.</summary>
    public Audit.AuditSettings Audit { get; } = new();

    internal string EffectiveSecret => string.IsNullOrEmpty(ClusterSecret) ? ProcessSecret : ClusterSecret;
}

/// <summary>What a silo denies while it cannot confirm its control-plane view is current.</summary>
public enum StaleViewPolicy
{
    /// <summary>Every action: the emergency stop and pauses hold on a cut-off silo too.</summary>
    AllActions = 0,

    /// <summary>Only actions that use a credential; other actions are decided on the last view the silo had.</summary>
    CredentialedActions = 1,
}
