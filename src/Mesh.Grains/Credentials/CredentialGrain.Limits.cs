using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Errors;
using Mesh.Grains.RateLimiting;

namespace Mesh.Grains.Credentials;

/// <summary>
/// The credential-wide rate limits policy rules set (shared by every agent holding the credential). This grain holds
/// the authoritative bucket per rule; silos lease tokens from it in batches (see <see cref="CredentialLimits"/>), so a
/// decision costs a call here only when its silo's batch runs out.
/// </summary>
internal sealed partial class CredentialGrain
{
    // Bounded by the number of rules that carry a per-credential limit.
    private readonly Dictionary<string, TokenBucket> _ruleBuckets = new(StringComparer.Ordinal);

    public ValueTask<TokenGrant> LeaseTokens(string ruleId, RateLimit limit, int want)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(want);
        var now = clock.UtcNow;
        var bucket = RuleBucket(ruleId, limit, now);
        var granted = bucket.TakeUpTo(limit, now, want, out var retryAfter);
        return ValueTask.FromResult(new TokenGrant { Granted = granted, RetryAfter = retryAfter });
    }

    public ValueTask ReturnTokens(string ruleId, RateLimit limit, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var now = clock.UtcNow;
        var bucket = RuleBucket(ruleId, limit, now);
        bucket.Give(limit, now, count);
        return ValueTask.CompletedTask;
    }

    private TokenBucket RuleBucket(string ruleId, RateLimit limit, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ruleId);
        ArgumentNullException.ThrowIfNull(limit);
        if (limit.Validate() is { } error)
        {
            throw new MeshException(MeshErrorCode.InvalidArgument, $"The rate limit of rule '{ruleId}' is invalid: {error}.");
        }

        if (!_ruleBuckets.TryGetValue(ruleId, out var bucket))
        {
            _ruleBuckets[ruleId] = bucket = new TokenBucket(limit, now);
        }

        return bucket;
    }
}
