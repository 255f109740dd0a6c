using System.Net;

namespace Mesh.Client;

/// <summary>How the SDK reaches the mesh and how long it waits before failing closed.</summary>
public sealed class MeshGateOptions
{
    /// <summary>Gateway endpoints of the mesh's silos (<c>host:port</c>). Default: the embedded silo on this machine.</summary>
    public IList<string> Gateways { get; } = ["127.0.0.1:30000"];

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

    /// <summary>Clock used for the timestamps of SDK-made denies.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    internal IPEndPoint[] ParseGateways()
    {
        if (Gateways.Count == 0)
        {
            throw new ArgumentException("MeshGateOptions.Gateways must name at least one gateway (host:port).");
        }

        return [.. Gateways.Select(ParseEndpoint)];
    }

    internal void Validate()
    {
        if (DecisionTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException("MeshGateOptions.DecisionTimeout must be positive.");
        }

        if (string.IsNullOrWhiteSpace(ClusterId) || string.IsNullOrWhiteSpace(ServiceId))
        {
            throw new ArgumentException("MeshGateOptions.ClusterId and ServiceId must not be empty.");
        }

        if (ClusterConnectionString is null)
        {
            _ = ParseGateways();
        }
        else if (string.IsNullOrWhiteSpace(ClusterConnectionString))
        {
            throw new ArgumentException("MeshGateOptions.ClusterConnectionString must not be blank; leave it null to use Gateways.");
        }
    }

    private static IPEndPoint ParseEndpoint(string text)
    {
        if (IPEndPoint.TryParse(text, out var endpoint) && endpoint.Port != 0)
        {
            return endpoint;
        }

        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text.AsSpan(colon + 1), out var port) && port is > 0 and < 65536)
        {
            var host = text[..colon];
            var address = host == "localhost" ? IPAddress.Loopback : Dns.GetHostAddresses(host).FirstOrDefault();
            if (address is not null)
            {
                return new IPEndPoint(address, port);
            }
        }

        throw new ArgumentException($"'{text}' is not a gateway endpoint; use host:port, e.g. 127.0.0.1:30000.");
    }
}
