using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mesh.Policy.Destinations;

namespace Mesh.Policy.Tests.Destinations;

/// <summary>A resolver with scripted answers; unknown names fail like NXDOMAIN. Counts every lookup.</summary>
internal sealed class FakeDestinationResolver : IDestinationResolver
{
    private readonly ConcurrentDictionary<string, Func<CancellationToken, ValueTask<IReadOnlyList<IPAddress>>>> _answers = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentQueue<string> _lookups = new();

    public IReadOnlyCollection<string> Lookups => _lookups;

    public int LookupCount => _lookups.Count;

    public FakeDestinationResolver Answer(string host, params string[] addresses)
    {
        IReadOnlyList<IPAddress> parsed = [.. addresses.Select(IPAddress.Parse)];
        _answers[host] = _ => new(parsed);
        return this;
    }

    public FakeDestinationResolver Fail(string host)
    {
        _answers[host] = _ => throw new SocketException((int)SocketError.HostNotFound);
        return this;
    }

    /// <summary>Answers only when cancelled (then throws), as a resolver that honours its token does.</summary>
    public FakeDestinationResolver Hang(string host)
    {
        _answers[host] = async token =>
        {
            await Task.Delay(Timeout.Infinite, token);
            return [];
        };
        return this;
    }

    /// <summary>Never answers, not even when cancelled.</summary>
    public FakeDestinationResolver HangIgnoringCancellation(string host)
    {
        var never = new TaskCompletionSource<IReadOnlyList<IPAddress>>();
        _answers[host] = _ => new(never.Task);
        return this;
    }

    public FakeDestinationResolver Script(string host, Func<CancellationToken, ValueTask<IReadOnlyList<IPAddress>>> answer)
    {
        _answers[host] = answer;
        return this;
    }

    public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        _lookups.Enqueue(host);
        return _answers.TryGetValue(host, out var answer)
            ? answer(cancellationToken)
            : throw new SocketException((int)SocketError.HostNotFound);
    }
}
