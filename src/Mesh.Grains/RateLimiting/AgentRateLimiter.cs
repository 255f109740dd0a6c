using Mesh.Contracts.Agents;

namespace Mesh.Grains.RateLimiting;

/// <summary>
/// The rate limits on one agent's allowed actions: the agent-wide and per-tool limits of its registration, and the
/// per-agent and per agent + tool limits of the allow rule that decided. An action is allowed only if every applicable
/// bucket has a token, and then takes one from each, so a limited request never consumes anything.
/// </summary>
internal sealed class AgentRateLimiter
{
    private const int MaxRuleBuckets = 4096;
    private readonly Dictionary<string, TokenBucket> _toolBuckets = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Rule, string? Tool), TokenBucket> _ruleBuckets = [];
    private TokenBucket? _agentBucket;

    /// <summary>The limits that apply to one request.</summary>
    public readonly record struct Limits(AgentRegistration Registration, string Tool, string? RuleId, RateLimit? RulePerAgent, RateLimit? RulePerAgentTool);

    /// <summary>Checks every applicable bucket; on success takes a token from each.</summary>
    /// <returns>Null when allowed, else the longest wait among the exhausted buckets.</returns>
    public TimeSpan? TryAcquire(in Limits limits, DateTimeOffset now) => Run(limits, now, take: true);

    /// <summary>Checks every applicable bucket and takes nothing.</summary>
    public TimeSpan? Peek(in Limits limits, DateTimeOffset now) => Run(limits, now, take: false);

    private TimeSpan? Run(in Limits limits, DateTimeOffset now, bool take)
    {
        var registration = limits.Registration;
        var agent = registration.RateLimit is { } agentLimit ? (_agentBucket ??= new TokenBucket(agentLimit, now), agentLimit) : default;
        var tool = registration.ToolRateLimits.TryGetValue(limits.Tool, out var toolLimit) ? (Bucket(_toolBuckets, limits.Tool, toolLimit, now), toolLimit) : default;
        var ruleAgent = limits is { RuleId: { } id1, RulePerAgent: { } l1 } ? (RuleBucket(id1, null, l1, now), l1) : default;
        var ruleTool = limits is { RuleId: { } id2, RulePerAgentTool: { } l2 } ? (RuleBucket(id2, limits.Tool, l2, now), l2) : default;

        var wait = TimeSpan.Zero;
        var limited = false;
        Check(agent, now, ref wait, ref limited);
        Check(tool, now, ref wait, ref limited);
        Check(ruleAgent, now, ref wait, ref limited);
        Check(ruleTool, now, ref wait, ref limited);
        if (limited)
        {
            return wait;
        }

        if (take)
        {
            agent.Item1?.Take();
            tool.Item1?.Take();
            ruleAgent.Item1?.Take();
            ruleTool.Item1?.Take();
        }

        return null;
    }

    private static void Check((TokenBucket? Bucket, RateLimit? Limit) entry, DateTimeOffset now, ref TimeSpan wait, ref bool limited)
    {
        if (entry.Limit is null)
        {
            return;
        }

        // No bucket for a limit that applies means the agent hit the bound on buckets: fail closed.
        var retryAfter = entry.Limit.Per;
        if (entry.Bucket is not null && entry.Bucket.CanTake(entry.Limit, now, out retryAfter))
        {
            return;
        }

        limited = true;
        wait = retryAfter > wait ? retryAfter : wait;
    }

    private static TokenBucket Bucket(Dictionary<string, TokenBucket> buckets, string key, RateLimit limit, DateTimeOffset now)
    {
        if (!buckets.TryGetValue(key, out var bucket))
        {
            buckets[key] = bucket = new TokenBucket(limit, now);
        }

        return bucket;
    }

    private TokenBucket? RuleBucket(string ruleId, string? tool, RateLimit limit, DateTimeOffset now)
    {
        if (!_ruleBuckets.TryGetValue((ruleId, tool), out var bucket))
        {
            // A rule matching any tool could otherwise grow a bucket per made-up tool name: past the bound the
            // request is limited (fail closed) rather than given a fresh, full bucket.
            if (_ruleBuckets.Count >= MaxRuleBuckets)
            {
                return null;
            }

            _ruleBuckets[(ruleId, tool)] = bucket = new TokenBucket(limit, now);
        }

        return bucket;
    }
}
