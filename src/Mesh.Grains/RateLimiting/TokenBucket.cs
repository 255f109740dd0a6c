using Mesh.Contracts.Agents;

namespace Mesh.Grains.RateLimiting;

/// <summary>
/// A token bucket refilled continuously from <see cref="TimeProvider"/> time. Lives in the owning grain's memory:
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
        Update(limit, now);
        if (_tokens >= 1)
        {
            retryAfter = TimeSpan.Zero;
            return true;
        }

        retryAfter = WaitForOne();
        return false;
    }

    /// <summary>Takes one token; call only after <see cref="CanTake"/> returned true for the same instant.</summary>
    public void Take() => _tokens -= 1;

    /// <summary>
    /// Refills to <paramref name="now"/>, then takes as many whole tokens as are available, up to
    /// <paramref name="want"/>. When none is, returns 0 and the wait until one is.
    /// </summary>
    public int TakeUpTo(RateLimit limit, DateTimeOffset now, int want, out TimeSpan retryAfter)
    {
        Update(limit, now);
        var granted = (int)Math.Min(want, Math.Floor(_tokens));
        if (granted > 0)
        {
            _tokens -= granted;
            retryAfter = TimeSpan.Zero;
            return granted;
        }

        retryAfter = WaitForOne();
        return 0;
    }

    /// <summary>
    /// Gives back <paramref name="count"/> tokens taken earlier and not used. Capped at capacity: the bucket never holds
    /// more than it would have held had they never been taken.
    /// </summary>
    public void Give(RateLimit limit, DateTimeOffset now, int count)
    {
        Update(limit, now);
        _tokens = Math.Min(_limit.Capacity, _tokens + count);
    }

    private void Update(RateLimit limit, DateTimeOffset now)
    {
        if (!Equals(limit, _limit))
        {
            // The limit was reconfigured: keep the tokens there are, within the new capacity.
            _limit = limit;
            _tokens = Math.Min(_tokens, limit.Capacity);
        }

        Refill(now);
    }

    private TimeSpan WaitForOne()
    {
        var missing = 1 - _tokens;
        return TimeSpan.FromTicks((long)Math.Ceiling(missing * _limit.Per.Ticks / _limit.Permits));
    }

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
