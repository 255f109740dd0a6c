using System.Net;

namespace Mesh.Policy.Destinations;

/// <summary>Resolves names through the operating system (<see cref="Dns"/>), returning IPv4 and IPv6 answers.</summary>
public sealed class SystemDestinationResolver : IDestinationResolver
{
    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        return await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
    }
}
