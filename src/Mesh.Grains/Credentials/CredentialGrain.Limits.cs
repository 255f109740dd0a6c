using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Grains.RateLimiting;

namespace Mesh.Grains.Credentials;

/// <summary>The credential-wide rate limits policy rules set (shared by every agent holding the credential).</summary>
internal sealed partial class CredentialGrain
{
    private readonly Dictionary<string, TokenBucket> _ruleBuckets = new(StringComparer.Ordinal);

    public ValueTask<TimeSpan?> TryAcquire(string ruleId, RateLimit limit)
    {
        // Bounded by the number of rules that carry a per-credential limit.
        var now = clock.UtcNow;
        if (!_ruleBuckets.TryGetValue(ruleId, out var bucket))
        {
            _ruleBuckets[ruleId] = bucket = new TokenBucket(limit, now);
        }

        if (!bucket.CanTake(limit, now, out var retryAfter))
        {
            return ValueTask.FromResult<TimeSpan?>(retryAfter);
        }

        bucket.Take();
        return ValueTask.FromResult<TimeSpan?>(null);
    }
}
