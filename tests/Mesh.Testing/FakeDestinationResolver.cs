using System.Collections.Concurrent;
using System.Net;
using Mesh.Policy.Destinations;

namespace Mesh.Testing;

/// <summary>A resolver with fixed answers, so no test depends on real DNS. Unknown names fail to resolve.</summary>
public sealed class FakeDestinationResolver : IDestinationResolver
{
    private readonly ConcurrentDictionary<string, IPAddress[]> _answers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Sets the addresses a name resolves to.</summary>
    public FakeDestinationResolver Add(string host, params string[] addresses)
    {
        _answers[host] = [.. addresses.Select(IPAddress.Parse)];
        return this;
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) =>
        _answers.TryGetValue(host.TrimEnd('.'), out var addresses)
            ? ValueTask.FromResult<IReadOnlyList<IPAddress>>(addresses)
            : ValueTask.FromException<IReadOnlyList<IPAddress>>(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.HostNotFound));
}
