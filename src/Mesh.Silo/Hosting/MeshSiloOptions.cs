namespace Mesh.Silo.Hosting;

/// <summary>Settings of a Mesh silo, bound from the <c>Mesh</c> configuration section.</summary>
public sealed class MeshSiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Mesh";

    /// <summary>
    /// <c>embedded</c> (the default: this silo alone, or a few on one machine, state in SQLite under the data folder) or
    /// <c>cluster</c> (any number of silos on PostgreSQL: membership, grain state and reminders through Orleans' ADO.NET
    /// providers; see docs/DEPLOY.md).
    /// </summary>
    public string Mode { get; set; } = "embedded";

    /// <summary>True in cluster mode.</summary>
    public bool IsCluster => string.Equals(Mode, "cluster", StringComparison.OrdinalIgnoreCase);

    /// <summary>The <c>Mesh:Cluster</c> settings (cluster mode only).</summary>
    public ClusterSettings Cluster { get; set; } = new();

    /// <summary>
    /// The IP address other silos and clients reach this silo at (cluster mode). Default: the first IPv4 address of
    /// an interface that is up and not loopback, or loopback when there is none. Ignored under Kubernetes hosting,
    /// which uses the pod's address.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>
    /// Run under Orleans' Kubernetes hosting (cluster mode): the silo name, address and cluster/service ids come from
    /// the pod (POD_NAME, POD_NAMESPACE, POD_IP and its <c>orleans/clusterId</c>, <c>orleans/serviceId</c> labels),
    /// and silos of pods that no longer exist are declared dead promptly.
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>Where embedded mode keeps its SQLite file (cluster mode: only the first admin token). Also set by <c>--data-dir</c> or <c>MESH_DATA_DIR</c>.</summary>
    public string DataDir { get; set; } = "data";

    /// <summary>Port silos talk to each other on.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>
    /// For an embedded cluster of several silos on one machine: the silo port of the first (primary) silo, which the
    /// others join. Unset for the first or only silo.
    /// </summary>
    public int? PrimarySiloPort { get; set; }

    /// <summary>
    /// Where grain state lives in embedded mode: <c>sqlite</c> (durable, the default) or <c>memory</c> (process memory
    /// shared by the silos of this data folder in this process; lost on stop; for load tests and experiments only).
    /// </summary>
    public string Storage { get; set; } = "sqlite";

    /// <summary>Port Orleans clients (agent runtimes) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Where the HTTP API listens. Ignored when Kestrel endpoints are configured (<c>Kestrel:Endpoints</c>), which is
    /// how HTTPS with a certificate is set up.
    /// </summary>
    public string HttpUrl { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Failed API authentications one address may make within a minute before it is slowed down.</summary>
    public int FreeAuthFailures { get; set; } = 5;

    /// <summary>Orleans cluster id; clients must use the same.</summary>
    public string ClusterId { get; set; } = "mesh";

    /// <summary>Orleans service id; clients must use the same.</summary>
    public string ServiceId { get; set; } = "mesh";

    /// <summary>Shared secret proving operator calls come from inside the cluster (see MeshSecurityOptions).</summary>
    public string? ClusterSecret { get; set; }

    /// <summary>The control-plane lease and what a silo with a stale view denies (docs/GUARANTEES.md).</summary>
    public ControlPlaneSettings ControlPlane { get; set; } = new();

    /// <summary>The audit trail: durability, batching, checkpoints (section <c>Mesh:Audit</c>).</summary>
    public AuditSiloSettings Audit { get; set; } = new();

    /// <summary>
    /// Serve the web console at <c>/console/</c> (default on). The console only calls this silo's API with the
    /// signed-in token, so turning it off removes no capability; it shrinks what the HTTP port serves.
    /// </summary>
    public bool Console { get; set; } = true;

    /// <summary>Returns the problems with these settings, empty when they are usable.</summary>
    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(DataDir))
        {
            yield return "Mesh:DataDir must name a folder.";
        }

        if (SiloPort is < 1 or > 65535)
        {
            yield return $"Mesh:SiloPort {SiloPort} is not a port number (1-65535).";
        }

        if (GatewayPort is < 1 or > 65535)
        {
            yield return $"Mesh:GatewayPort {GatewayPort} is not a port number (1-65535).";
        }

        if (Storage is not ("sqlite" or "memory"))
        {
            yield return $"Mesh:Storage '{Storage}' must be sqlite or memory.";
        }

        if (PrimarySiloPort is < 1 or > 65535)
        {
            yield return $"Mesh:PrimarySiloPort {PrimarySiloPort} is not a port number (1-65535).";
        }

        if (ControlPlane.Lease <= TimeSpan.Zero || ControlPlane.RenewInterval <= TimeSpan.Zero || ControlPlane.RenewInterval >= ControlPlane.Lease)
        {
            yield return $"Mesh:ControlPlane:RenewInterval ({ControlPlane.RenewInterval}) must be positive and shorter than Mesh:ControlPlane:Lease ({ControlPlane.Lease}).";
        }

        if (FreeAuthFailures is < 1 or > 1_000_000)
        {
            yield return $"Mesh:FreeAuthFailures {FreeAuthFailures} must be between 1 and 1000000.";
        }

        if (SiloPort == GatewayPort)
        {
            yield return "Mesh:SiloPort and Mesh:GatewayPort must differ.";
        }

        if (!Uri.TryCreate(HttpUrl, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            yield return $"Mesh:HttpUrl '{HttpUrl}' is not an http:// or https:// URL.";
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || string.IsNullOrWhiteSpace(ServiceId))
        {
            yield return "Mesh:ClusterId and Mesh:ServiceId must not be empty.";
        }

        if (!IsCluster && !string.Equals(Mode, "embedded", StringComparison.OrdinalIgnoreCase))
        {
            yield return $"Mesh:Mode '{Mode}' must be embedded or cluster.";
        }

        if (IsCluster && string.IsNullOrWhiteSpace(Cluster.ConnectionString))
        {
            yield return "Mesh:Mode is cluster but no PostgreSQL connection string is set: pass --connection or set Mesh:Cluster:ConnectionString (env Mesh__Cluster__ConnectionString).";
        }

        // Silos prove operator calls to each other with this secret; each process would otherwise make up its own.
        if (IsCluster && (ClusterSecret is null || ClusterSecret.Length < 32))
        {
            yield return "Mesh:Mode is cluster but Mesh:ClusterSecret (env Mesh__ClusterSecret) is missing or shorter than 32 characters: give every silo the same random secret, e.g. from `openssl rand -base64 32`.";
        }

        if (ClusterSecret is { Length: > 256 })
        {
            yield return "Mesh:ClusterSecret must be at most 256 characters.";
        }

        if (IsCluster && PrimarySiloPort is not null)
        {
            yield return "Mesh:PrimarySiloPort is for embedded mode; in cluster mode silos find each other in PostgreSQL.";
        }

        if (AdvertisedAddress is { } advertised && !System.Net.IPAddress.TryParse(advertised, out _))
        {
            yield return $"Mesh:AdvertisedAddress '{advertised}' is not an IP address.";
        }

        foreach (var problem in Audit.Validate())
        {
            yield return problem;
        }

        if (Kubernetes && !IsCluster)
        {
            yield return "Mesh:Kubernetes needs Mesh:Mode cluster.";
        }
    }
}

/// <summary>The <c>Mesh:ControlPlane</c> settings.</summary>
public sealed class ControlPlaneSettings
{
    /// <summary>How long a silo's view counts as current after it last confirmed it (default 5 s).</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often a silo confirms its view (default 1 s).</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>What a silo with a stale view denies: <c>AllActions</c> (default) or <c>CredentialedActions</c>.</summary>
    public Mesh.Grains.Hosting.StaleViewPolicy StaleDenies { get; set; } = Mesh.Grains.Hosting.StaleViewPolicy.AllActions;
}

/// <summary>The <c>Mesh:Cluster</c> settings.</summary>
public sealed class ClusterSettings
{
    /// <summary>
    /// The PostgreSQL connection string (Npgsql format) of the database <c>mesh db init</c> prepared. It holds the
    /// password: it is never logged or printed.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Check the schema at start-up and refuse to start when it is incomplete (default true). Turn off only when the
    /// database user may not read the catalog.
    /// </summary>
    public bool CheckSchema { get; set; } = true;
}

/// <summary>The audit trail's settings (<c>Mesh:Audit</c>).</summary>
public sealed class AuditSiloSettings
{
    /// <summary><c>durable</c> (default: a decision returns once its record is on disk), <c>async</c> or <c>off</c> (benchmarks only).</summary>
    public string Durability { get; set; } = "durable";

    /// <summary>Most records per write. Default 2048.</summary>
    public int MaxBatch { get; set; } = 2048;

    /// <summary>How often stream heads are signed. Default 30 seconds.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many checkpoint intervals a record may stay unsigned before <c>audit verify</c> reports it. Default 3.
    /// </summary>
    public int CoverageIntervals { get; set; } = Mesh.Grains.Audit.AuditSettings.DefaultCoverageIntervals;

    /// <summary>PEM file of the ECDSA P-256 checkpoint signing key; created when missing. Default: <c>audit-signing-key.pem</c> in the data folder.</summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Other public keys (PEM text or file paths) whose checkpoints are trusted: other silos' keys, retired keys.</summary>
    public string[] TrustedPublicKeys { get; set; } = [];

    /// <summary>The durability as the grains' enum; null when the text is not one of the three.</summary>
    public Mesh.Grains.Audit.AuditDurability? ParsedDurability => Durability.ToLowerInvariant() switch
    {
        "durable" => Mesh.Grains.Audit.AuditDurability.Durable,
        "async" => Mesh.Grains.Audit.AuditDurability.Async,
        "off" => Mesh.Grains.Audit.AuditDurability.Off,
        _ => null,
    };

    /// <summary>What is wrong with these settings.</summary>
    public IEnumerable<string> Validate()
    {
        if (ParsedDurability is null)
        {
            yield return $"Mesh:Audit:Durability '{Durability}' must be durable, async or off.";
        }

        if (MaxBatch is < 1 or > 100_000)
        {
            yield return $"Mesh:Audit:MaxBatch {MaxBatch} must be between 1 and 100000.";
        }

        if (CheckpointInterval < TimeSpan.FromMilliseconds(100))
        {
            yield return $"Mesh:Audit:CheckpointInterval {CheckpointInterval} must be at least 100 ms.";
        }

        if (CoverageIntervals is < 2 or > 10_000)
        {
            yield return $"Mesh:Audit:CoverageIntervals {CoverageIntervals} must be between 2 and 10000 (a record is signed up to two intervals after it is written).";
        }
    }
}
