using System.Collections.Concurrent;
using System.Net;

namespace Mesh.Silo.Api.Auth;

/// <summary>
/// Slows down guessing: once <c>freeFailures</c> authentications have failed from one address within <see cref="Window"/>,
/// that address is refused (429), whatever token it presents, for a time that doubles with every further failure,
/// up to <see cref="MaxBlock"/>. A success clears the address's record.
/// </summary>
internal sealed class AuthFailureThrottle(TimeProvider time, int freeFailures)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxBlock = TimeSpan.FromMinutes(1);
    private const int MaxTracked = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();

    public bool IsBlocked(IPAddress? address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null || !_entries.TryGetValue(address, out var entry))
        {
            return false;
        }

        var wait = entry.BlockedUntil - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return false;
        }

        retryAfter = wait;
        return true;
    }

    public void RecordFailure(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_entries.Count >= MaxTracked)
        {
            foreach (var (key, stale) in _entries)
            {
                if (now - stale.LastFailure > Window && now >= stale.BlockedUntil)
                {
                    _entries.TryRemove(key, out _);
                }
            }
        }

        _entries.AddOrUpdate(
            address,
            _ => new Entry(1, now, now),
            (_, e) =>
            {
                var failures = now - e.LastFailure > Window && now >= e.BlockedUntil ? 1 : e.Failures + 1;
                var blockedUntil = failures >= freeFailures ? now + Backoff(failures - freeFailures + 1) : now;
                return new Entry(failures, now, blockedUntil);
            });
    }

    public void RecordSuccess(IPAddress? address)
    {
        if (address is not null)
        {
            _entries.TryRemove(address, out _);
        }
    }

    private static TimeSpan Backoff(int excess)
    {
        var seconds = Math.Pow(2, Math.Min(excess - 1, 10));
        var backoff = TimeSpan.FromSeconds(seconds);
        return backoff < MaxBlock ? backoff : MaxBlock;
    }

    private sealed record Entry(int Failures, DateTimeOffset LastFailure, DateTimeOffset BlockedUntil);
}
