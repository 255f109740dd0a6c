namespace Mesh.Silo.Hosting;

/// <summary>Settings of a Mesh silo, bound from the <c>Mesh</c> configuration section.</summary>
public sealed class MeshSiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Mesh";

    /// <summary>Where embedded mode keeps its SQLite file. Also set by <c>--data-dir</c> or <c>MESH_DATA_DIR</c>.</summary>
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
