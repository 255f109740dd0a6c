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

    internal string EffectiveSecret => string.IsNullOrEmpty(ClusterSecret) ? ProcessSecret : ClusterSecret;
}
