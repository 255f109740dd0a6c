using Mesh.Contracts.Agents;

namespace Mesh.Grains.RateLimiting;

/// <summary>
/// A token bucket refilled continuously from <see cref="TimeProvider"/> time. Lives in the agent grain's memory:
/// checking it is arithmetic, never I/O. A bucket starts full.
/// </summary>
internal sealed class TokenBucket
{
    private RateLimit _limit;
    private double _tokens;
    private DateTimeOffset _updatedAt;

    public TokenBucket(RateLimit limit, DateTimeOffset now)
    {
        _limit = limit;
        _tokens = limit.Capacity;
        _updatedAt = now;
    }

    /// <summary>Refills to <paramref name="now"/>; true when one token is available, else the wait until it is.</summary>
    public bool CanTake(RateLimit limit, DateTimeOffset now, out TimeSpan retryAfter)
    {
        if (!Equals(limit, _limit))
        {
            // The limit was reconfigured: keep the tokens the agent has, within the new capacity.
            _limit = limit;
            _tokens = Math.Min(_tokens, limit.Capacity);
        }

        Refill(now);
        if (_tokens >= 1)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        var missing = 1 - _tokens;
        retryAfter = TimeSpan.FromTicks((long)Math.Ceiling(missing * _limit.Per.Ticks / _limit.Permits));
        return false;
    }

    /// <summary>Takes one token; call only after <see cref="CanTake"/> returned true for the same instant.</summary>
    public void Take() => _tokens -= 1;

    private void Refill(DateTimeOffset now)
    {
        var elapsed = now - _updatedAt;
        if (elapsed <= TimeSpan.Zero)
        {
            return;
        }

        _tokens = Math.Min(_limit.Capacity, _tokens + (elapsed.Ticks * (double)_limit.Permits / _limit.Per.Ticks));
        _updatedAt = now;
    }
}
