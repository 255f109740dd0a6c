using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Auth;

/// <summary>
/// Slows down guessing. Failures are counted per <em>address and subject</em>: the subject is what the caller tried to
/// authenticate as, the public id of an API token (<c>mesh_ot_&lt;id&gt;</c>), the agent id of a runtime call, or
/// "malformed" for a bearer string that is neither. Once <c>freeFailures</c> attempts for one subject have failed from one
/// address within <see cref="Window"/>, that subject is refused (429) from that address for a time that doubles with
/// every further failure, up to <see cref="MaxBlock"/>, without the secret being checked: guessing one token's secret
/// (or one agent's token) runs at one attempt per backoff. Every other subject from the same address is untouched, so a
/// noisy agent, a flood of wrong tokens or a guesser cannot lock out a valid token they do not name.
/// </summary>
/// <remarks>
/// A success does not clear anything: an attacker's count must not be reset by the real holder's calls (or by the
/// attacker's own valid token), so records simply age out after <see cref="Window"/> without failures and once their
/// block has passed. IPv6 addresses are counted by their /64 network, which one host usually holds whole; IPv4-mapped
/// addresses count as the IPv4 address.
/// </remarks>
internal sealed class AuthFailureThrottle(TimeProvider time, int freeFailures)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxBlock = TimeSpan.FromMinutes(1);

    /// <summary>The subject of a bearer string that is neither an API token nor sent to a runtime route.</summary>
    public const string MalformedSubject = "malformed";

    // Bounds the memory a spray of distinct subjects can take. Beyond it, records that block nothing are dropped first.
    internal const int MaxTracked = 10_000;

    // A full sweep costs a pass over the table; a spray that keeps it full of active blocks gets at most one a second.
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<(IPAddress Network, string Subject), Entry> _entries = new();
    private long _lastFullSweepTicks = long.MinValue;

    /// <summary>The subject of an API token: its public id, never its secret.</summary>
    public static string TokenSubject(string tokenId) => "token:" + tokenId;

    /// <summary>The subject of a runtime call: the agent it claims to be.</summary>
    public static string AgentSubject(string agentId) => "agent:" + agentId;

    /// <summary>Records tracked now (for tests of the bound).</summary>
    internal int Tracked => _entries.Count;

    /// <summary>True while <paramref name="subject"/> is refused from <paramref name="address"/>; <paramref name="retryAfter"/> says how long.</summary>
    public bool IsBlocked(IPAddress? address, string subject, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (address is null || !_entries.TryGetValue((Network(address), subject), out var entry))
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

    /// <summary>Counts a failed attempt to authenticate as <paramref name="subject"/> from <paramref name="address"/>.</summary>
    public void RecordFailure(IPAddress? address, string subject)
    {
        if (address is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        var key = (Network(address), subject);
        if (_entries.Count >= MaxTracked && !_entries.ContainsKey(key) && !MakeRoom(now))
        {
            // Every record is an active block: those keep blocking, and this attempt was refused anyway (401).
            return;
        }

        _entries.AddOrUpdate(
            key,
            _ => Next(null, now),
            (_, e) => Next(e, now));
    }

    /// <summary>Answers a refused attempt: 429 with <c>Retry-After</c> in whole seconds.</summary>
    public static Task WriteThrottledAsync(HttpContext context, TimeSpan retryAfter)
    {
        context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return ProblemWriter.WriteAsync(context, StatusCodes.Status429TooManyRequests, "too_many_failed_attempts",
            "Too many failed authentications for this token or agent from this address; wait before trying again.");
    }

    private Entry Next(Entry? previous, DateTimeOffset now)
    {
        var failures = previous is null || IsStale(previous, now) ? 1 : previous.Failures + 1;
        var blockedUntil = failures >= freeFailures ? now + Backoff(failures - freeFailures + 1) : now;
        return new Entry(failures, now, blockedUntil);
    }

    private static bool IsStale(Entry entry, DateTimeOffset now) => now - entry.LastFailure > Window && now >= entry.BlockedUntil;

    // Drops records that have aged out; when a spray of fresh subjects fills the table, also those that block nothing
    // yet (a few free failures each). Active blocks are never dropped.
    private bool MakeRoom(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref _lastFullSweepTicks);
        if (last != long.MinValue && now.UtcTicks - last < SweepInterval.Ticks)
        {
            return false;
        }

        foreach (var (key, entry) in _entries)
        {
            if (IsStale(entry, now))
            {
                _entries.TryRemove(key, out _);
            }
        }

        if (_entries.Count < MaxTracked)
        {
            return true;
        }

        foreach (var (key, entry) in _entries)
        {
            if (now >= entry.BlockedUntil)
            {
                _entries.TryRemove(key, out _);
            }
        }

        var room = _entries.Count < MaxTracked;
        if (!room)
        {
            Interlocked.Exchange(ref _lastFullSweepTicks, now.UtcTicks);
        }

        return room;
    }

    private static IPAddress Network(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes);
    }

    private static TimeSpan Backoff(int excess)
    {
        var seconds = Math.Pow(2, Math.Min(excess - 1, 10));
        var backoff = TimeSpan.FromSeconds(seconds);
        return backoff < MaxBlock ? backoff : MaxBlock;
    }

    private sealed record Entry(int Failures, DateTimeOffset LastFailure, DateTimeOffset BlockedUntil);
}
