using System.Collections.Concurrent;
using System.Net;

namespace Mesh.Policy.Destinations;

/// <summary>
/// Caches successful answers of another resolver for a fixed time. Failures and empty answers are never cached, so a
/// name that could not be checked is tried again on the next request. The cache is bounded: when it is full, expired
/// entries are dropped, and if none are, the whole cache is cleared (a burst of lookups, never unbounded memory).
/// </summary>
public sealed class CachingDestinationResolver : IDestinationResolver
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.OrdinalIgnoreCase);
    private readonly IDestinationResolver _inner;
    private readonly TimeProvider _time;
    private readonly TimeSpan _ttl;
    private readonly int _maxEntries;

    /// <summary>Creates a cache in front of <paramref name="inner"/>.</summary>
    /// <param name="inner">The resolver asked on a miss.</param>
    /// <param name="time">The clock that ages entries.</param>
    /// <param name="ttl">How long an answer is served from the cache; positive.</param>
    /// <param name="maxEntries">The most names kept; positive.</param>
    public CachingDestinationResolver(IDestinationResolver inner, TimeProvider time, TimeSpan ttl, int maxEntries = 10_000)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ttl, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxEntries, 1);
        _inner = inner;
        _time = time;
        _ttl = ttl;
        _maxEntries = maxEntries;
    }

    internal int Count => _entries.Count;

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (_entries.TryGetValue(host, out var entry))
        {
            if (!IsExpired(entry))
            {
                return new(entry.Addresses);
            }

            _entries.TryRemove(new KeyValuePair<string, Entry>(host, entry));
        }

        return ResolveAndStoreAsync(host, cancellationToken);
    }

    private async ValueTask<IReadOnlyList<IPAddress>> ResolveAndStoreAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = await _inner.ResolveAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses is { Count: > 0 })
        {
            // A copy, so a resolver that reuses its list cannot change what is cached.
            IPAddress[] copy = [.. addresses];
            if (_entries.Count >= _maxEntries)
            {
                Evict();
            }

            _entries[host] = new Entry(copy, _time.GetTimestamp());
            return copy;
        }

        return addresses ?? [];
    }

    private bool IsExpired(Entry entry) => _time.GetElapsedTime(entry.StoredAt) >= _ttl;

    private void Evict()
    {
        foreach (var pair in _entries)
        {
            if (IsExpired(pair.Value))
            {
                _entries.TryRemove(pair);
            }
        }

        if (_entries.Count >= _maxEntries)
        {
            _entries.Clear();
        }
    }

    private sealed class Entry(IPAddress[] addresses, long storedAt)
    {
        public IPAddress[] Addresses { get; } = addresses;

        public long StoredAt { get; } = storedAt;
    }
}
