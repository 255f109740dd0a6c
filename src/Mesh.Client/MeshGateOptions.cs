using Mesh.Client.Connection;

namespace Mesh.Client;

/// <summary>How the SDK reaches the mesh and how long it waits before failing closed.</summary>
public sealed class MeshGateOptions
{
    /// <summary>The gateway of an embedded silo on this machine (<c>--gateway-port</c> 30000), used when <see cref="Gateways"/> is empty.</summary>
    public const string DefaultGateway = "127.0.0.1:30000";

    private IList<string> _gateways = [];

    /// <summary>
    /// Gateway endpoints of the mesh's silos (<c>host:port</c>, IPv6 as <c>[::1]:30000</c>). Empty, the default, means
    /// <see cref="DefaultGateway"/>. Whatever you put here replaces that default: <c>Gateways = { "10.0.0.5:30000" }</c>,
    /// <c>Gateways = ["10.0.0.5:30000"]</c> and <c>Gateways.Add("10.0.0.5:30000")</c> all connect to 10.0.0.5 only.
    /// Host names are resolved when the gate is created.
    /// </summary>
    public IList<string> Gateways
    {
        get => _gateways;
        set => _gateways = value ?? throw new ArgumentNullException(nameof(value), "MeshGateOptions.Gateways must not be null; leave it empty for the default gateway " + DefaultGateway + ".");
    }

    /// <summary>
    /// For a mesh in cluster mode: the PostgreSQL connection string of its membership table. When set, the SDK finds
    /// the live gateways there (Orleans ADO.NET clustering) and follows silos joining and leaving; <see cref="Gateways"/>
    /// is ignored. Read-only database rights are enough.
    /// </summary>
    public string? ClusterConnectionString { get; set; }

    /// <summary>The mesh's Orleans cluster id.</summary>
    public string ClusterId { get; set; } = "mesh";

    /// <summary>The mesh's Orleans service id.</summary>
    public string ServiceId { get; set; } = "mesh";

    /// <summary>
    /// How long a decision may take, including waiting for the connection. Past it the SDK returns a deny with
    /// reason <c>mesh_unavailable</c>: it never allows and never leaves the caller hanging.
    /// </summary>
    public TimeSpan DecisionTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause between connection attempts while no gateway answers.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Clock used for the timestamps of SDK-made denies and for spacing repeated warnings.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>The gateways the SDK uses: <see cref="Gateways"/>, or <see cref="DefaultGateway"/> when it is empty.</summary>
    internal IReadOnlyList<string> EffectiveGateways => Gateways.Count == 0 ? [DefaultGateway] : [.. Gateways];

    internal GatewayEndpoint[] ParseGateways() => [.. EffectiveGateways.Select((text, index) => GatewayEndpoint.Parse(text, $"MeshGateOptions.Gateways[{index}]"))];

    internal void Validate()
    {
        if (DecisionTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("MeshGateOptions.DecisionTimeout must be positive.");
        }

        if (ReconnectDelay < TimeSpan.Zero)
        {
            throw new ArgumentException("MeshGateOptions.ReconnectDelay must not be negative.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || string.IsNullOrWhiteSpace(ServiceId))
        {
            throw new ArgumentException("MeshGateOptions.ClusterId and ServiceId must not be empty.");
        }

        ArgumentNullException.ThrowIfNull(TimeProvider, "MeshGateOptions.TimeProvider");

        if (ClusterConnectionString is null)
        {
            _ = ParseGateways();
        }
        else if (string.IsNullOrWhiteSpace(ClusterConnectionString))
        {
            throw new ArgumentException("MeshGateOptions.ClusterConnectionString must not be blank; leave it null to use Gateways.");
        }
    }
}
