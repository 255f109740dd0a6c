using System.Net;
using System.Net.Sockets;

namespace Mesh.Benchmarks;

/// <summary>Free loopback ports, so a benchmark silo never collides with a running mesh or another benchmark.</summary>
internal static class LoopbackPorts
{
    /// <summary>
    /// <paramref name="count"/> distinct ports the system handed out for port 0; all are held at once, so they differ,
    /// and released just before the caller binds them.
    /// </summary>
    public static int[] Take(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
