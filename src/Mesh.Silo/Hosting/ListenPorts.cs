using System.Net;
using System.Net.Sockets;

namespace Mesh.Silo.Hosting;

/// <summary>
/// The ports a silo is about to listen on, checked before it creates anything. Orleans and Kestrel find a taken port
/// only once the data folder, its databases and the first admin token exist, and then report it as a stack trace; a
/// check up front fails with one line that names the port and the setting that moves it, and leaves nothing behind.
/// The check binds each address and releases it at once, so a port taken in the short moment after it is still
/// caught, later, by the real bind (<see cref="IsAddressInUse"/> recognises that failure).
/// </summary>
internal static class ListenPorts
{
    /// <summary>The ports a silo with <paramref name="options"/> and <paramref name="configuration"/> binds.</summary>
    public static IReadOnlyList<ListenPort> Of(MeshSiloOptions options, IConfiguration configuration)
    {
        // Embedded mode listens on loopback (localhost clustering); cluster mode on every interface (ClusterMode).
        var orleans = options.IsCluster ? IPAddress.Any : IPAddress.Loopback;
        var ports = new List<ListenPort>
        {
            new(orleans, options.SiloPort, "silo port, silo-to-silo traffic", "--silo-port N", "Mesh:SiloPort"),
            new(orleans, options.GatewayPort, "gateway port, Orleans clients such as the SDK", "--gateway-port N", "Mesh:GatewayPort"),
        };

        var endpoints = configuration.GetSection("Kestrel:Endpoints");
        if (endpoints.Exists())
        {
            foreach (var endpoint in endpoints.GetChildren())
            {
                var key = $"Kestrel:Endpoints:{endpoint.Key}:Url";
                if (Http(endpoint["Url"], "HTTP API, console and probes", $"--{key} URL", key) is { } port)
                {
                    ports.Add(port);
                }
            }
        }
        else if (Http(options.HttpUrl, "HTTP API, console and probes", "--http-url URL", "Mesh:HttpUrl") is { } port)
        {
            ports.Add(port);
        }

        return ports;
    }

    /// <summary>The one-line reason the first of <paramref name="ports"/> that cannot be bound cannot; null when all can.</summary>
    public static string? FindUnusable(IEnumerable<ListenPort> ports)
    {
        foreach (var port in ports)
        {
            switch (TryBind(port))
            {
                case SocketError.AddressAlreadyInUse:
                    return port.InUseMessage();
                case SocketError.AccessDenied:
                    return port.AccessDeniedMessage();
                default:
                    // Anything else (an address this machine does not have, no IPv6) is the real bind's to report.
                    break;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="error"/> (or an exception inside it) is a listener finding its port taken.</summary>
    public static bool IsAddressInUse(Exception error)
    {
        for (var current = error; current is not null; current = current.InnerException)
        {
            if (current is Microsoft.AspNetCore.Connections.AddressInUseException
                || current is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }

            if (current is AggregateException aggregate && aggregate.InnerExceptions.Any(IsAddressInUse))
            {
                return true;
            }
        }

        return false;
    }

    private static SocketError TryBind(ListenPort port)
    {
        try
        {
            using var socket = new Socket(port.Address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (port.Address.Equals(IPAddress.IPv6Any))
            {
                // Kestrel listens dual-mode on [::] for *, + and host names: IPv4 listeners on the port conflict too.
                socket.DualMode = true;
            }

            socket.Bind(new IPEndPoint(port.Address, port.Port));
            return SocketError.Success;
        }
        catch (SocketException ex)
        {
            return ex.SocketErrorCode;
        }
    }

    // Kestrel's reading of a URL: localhost is loopback (IPv4 is the one that must bind), an IP address is itself,
    // anything else (*, +, a host name) is every interface. Port 0 means "any free port" and cannot be taken.
    private static ListenPort? Http(string? url, string purpose, string @switch, string setting)
    {
        if (url is null)
        {
            return null;
        }

        // Kestrel accepts * and + as hosts, which Uri does not.
        var host = url.Contains("://*", StringComparison.Ordinal) || url.Contains("://+", StringComparison.Ordinal);
        var parsed = host ? url.Replace("://*", "://any-host", StringComparison.Ordinal).Replace("://+", "://any-host", StringComparison.Ordinal) : url;
        if (!Uri.TryCreate(parsed, UriKind.Absolute, out var uri) || uri.Port <= 0)
        {
            return null;
        }

        var address = string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase) ? IPAddress.Loopback
            : IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? ip
            : IPAddress.IPv6Any;
        return new ListenPort(address, uri.Port, $"{purpose}, {url}", @switch, setting);
    }
}
