using Mesh.Contracts.Agents;

namespace Mesh.Grains.RateLimiting;

/// <summary>
/// The rate limits that apply to one agent's allowed actions: the agent-wide limit, the per-tool limits set at
/// registration and the per agent + tool limits policy rules carry. An action is allowed only if every applicable
/// bucket has a token, and then takes one from each, so a limited request never consumes anything.
/// </summary>
internal sealed class AgentRateLimiter
{
    private readonly Dictionary<string, TokenBucket> _toolBuckets = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Rule, string Tool), TokenBucket> _ruleBuckets = [];
    private TokenBucket? _agentBucket;

    /// <summary>Checks every applicable bucket; on success takes a token from each.</summary>
    /// <returns>Null when allowed, else the longest wait among the exhausted buckets.</returns>
    public TimeSpan? TryAcquire(AgentRegistration registration, string tool, string? ruleId, RateLimit? ruleLimit, DateTimeOffset now)
    {
        var agentBucket = registration.RateLimit is { } agentLimit ? _agentBucket ??= new TokenBucket(agentLimit, now) : null;
        var toolBucket = registration.ToolRateLimits.TryGetValue(tool, out var toolLimit) ? GetToolBucket(tool, toolLimit, now) : null;
        var ruleBucket = ruleId is not null && ruleLimit is not null ? GetRuleBucket(ruleId, tool, ruleLimit, now) : null;

        var wait = TimeSpan.Zero;
        var limited = false;
        Check(agentBucket, registration.RateLimit, now, ref wait, ref limited);
        Check(toolBucket, toolLimit, now, ref wait, ref limited);
        Check(ruleBucket, ruleLimit, now, ref wait, ref limited);
        if (limited)
        {
            return wait;
        }

        agentBucket?.Take();
        toolBucket?.Take();
        ruleBucket?.Take();
        return null;
    }

    /// <summary>True when every applicable bucket has a token (takes nothing).</summary>
    public TimeSpan? Peek(AgentRegistration registration, string tool, string? ruleId, RateLimit? ruleLimit, DateTimeOffset now)
    {
        var wait = TimeSpan.Zero;
        var limited = false;
        if (registration.RateLimit is { } agentLimit)
        {
            Check(_agentBucket ??= new TokenBucket(agentLimit, now), agentLimit, now, ref wait, ref limited);
        }

        if (registration.ToolRateLimits.TryGetValue(tool, out var toolLimit))
        {
            Check(GetToolBucket(tool, toolLimit, now), toolLimit, now, ref wait, ref limited);
        }

        if (ruleId is not null && ruleLimit is not null)
        {
            Check(GetRuleBucket(ruleId, tool, ruleLimit, now), ruleLimit, now, ref wait, ref limited);
        }

        return limited ? wait : null;
    }

    private static void Check(TokenBucket? bucket, RateLimit? limit, DateTimeOffset now, ref TimeSpan wait, ref bool limited)
    {
        if (bucket is null || limit is null || bucket.CanTake(limit, now, out var retryAfter))
        {
            return;
        }

        limited = true;
        wait = retryAfter > wait ? retryAfter : wait;
    }

    private TokenBucket GetToolBucket(string tool, RateLimit limit, DateTimeOffset now)
    {
        if (!_toolBuckets.TryGetValue(tool, out var bucket))
        {
            _toolBuckets[tool] = bucket = new TokenBucket(limit, now);
        }

        return bucket;
    }

    private TokenBucket GetRuleBucket(string ruleId, string tool, RateLimit limit, DateTimeOffset now)
    {
        if (!_ruleBuckets.TryGetValue((ruleId, tool), out var bucket))
        {
            _ruleBuckets[(ruleId, tool)] = bucket = new TokenBucket(limit, now);
        }

        return bucket;
    }
}
