using System.Collections.Concurrent;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.RateLimiting;

/// <summary>
/// This silo's side of the per-credential rate limits. The credential grain holds the authoritative bucket per rule;
/// this silo leases tokens from it in batches and spends them on its own decisions, so a decision takes a token with
/// no call, and a call happens only when the silo's batch for that credential and rule runs out.
/// </summary>
/// <remarks>
/// <para>
/// Invariant: every allowed action spends a token the credential's bucket granted, within one lease period of the
/// grant. Across all silos the number of allowed actions therefore never exceeds what the bucket granted, so since the
/// bucket was created it never exceeds capacity + rate × elapsed: the limit is never exceeded. (Measured by when the
/// actions happen rather than when their tokens were granted, a burst can exceed the bucket's capacity by at most the
/// tokens already leased out when it starts: at most silos × batch, none older than a lease period.)
/// </para>
/// <para>
/// The price is under-admission: tokens leased by one silo cannot be spent by another. A silo is refused only when its
/// own batch is empty and the bucket is, so the shortfall is at most (silos − 1) × batch tokens parked in other silos'
/// batches; they go back to the bucket when their lease period ends (at the silo's next use of the key, or by the
/// sweep within <see cref="SweepInterval"/> after that on a silo that stopped deciding).
/// </para>
/// <para>
/// Thread-safe: agent grains on many threads call it. Concurrent requests for a key whose batch is empty share one
/// lease call. A failed lease fails closed: the decision is rate limited, never allowed.
/// </para>
/// </remarks>
internal sealed partial class CredentialLimits : IDisposable
{
    /// <summary>The longest a leased token may stay unspent before it must go back to the credential's bucket.</summary>
    internal static readonly TimeSpan MaxLeasePeriod = TimeSpan.FromSeconds(1);

    /// <summary>How often unspent tokens whose lease ended are returned and idle keys dropped.</summary>
    internal static readonly TimeSpan SweepInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The retry-after of a decision whose lease call failed.</summary>
    internal static readonly TimeSpan FailedLeaseRetryAfter = TimeSpan.FromSeconds(1);

    // Memory: one small entry per (credential, rule) this silo decided on recently. Only issued, usable credentials
    // reach the limit check, so the keys are bounded by real credentials × rules with a per-credential limit, and an
    // entry unused this long (holding no tokens) is dropped. Dropping one is always safe: it costs one lease call later.
    private static readonly TimeSpan IdleEviction = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<(string Credential, string Rule), Entry> _entries = new();
    private readonly IGrainFactory _grains;
    private readonly MeshClock _clock;
    private readonly ILogger<CredentialLimits> _logger;
    private readonly ITimer _sweep;
    private long _leaseCalls;
    private long _returnedTokens;

    public CredentialLimits(IGrainFactory grains, MeshClock clock, ILogger<CredentialLimits> logger)
    {
        _grains = grains;
        _clock = clock;
        _logger = logger;

        // First resolved inside some grain's activation: its execution context (request context) must not ride along
        // on every sweep. (Suppressing twice throws, and Orleans may already have suppressed it.)
        if (ExecutionContext.IsFlowSuppressed())
        {
            _sweep = StartSweep();
        }
        else
        {
            using (ExecutionContext.SuppressFlow())
            {
                _sweep = StartSweep();
            }
        }
    }

    /// <summary>Lease calls this silo has made (for tests and metrics).</summary>
    internal long LeaseCalls => Interlocked.Read(ref _leaseCalls);

    /// <summary>Unspent tokens this silo has given back to credential grains (for tests and metrics).</summary>
    internal long ReturnedTokens => Interlocked.Read(ref _returnedTokens);

    /// <summary>
    /// Tokens a silo leases at a time: a tenth of the bucket's capacity, at least 1 and at most 1000. The tenth bounds
    /// the under-admission tolerance ((silos − 1) × batch) to (silos − 1)/10 of the capacity, and keeps lease calls to
    /// about ten per capacity's worth of decisions per silo; a limit of 10 or less gets batches of 1, which is exact
    /// (a call per decision, as a small limit can afford). The cap keeps huge limits from parking more than 1000
    /// tokens on one silo; 1000 decisions per call is already far below any grain's call budget.
    /// </summary>
    internal static int BatchSize(RateLimit limit) => Math.Clamp(limit.Capacity / 10, 1, 1000);

    /// <summary>
    /// How long leased tokens may be spent: a tenth of the limit's period, at most <see cref="MaxLeasePeriod"/>. The tenth
    /// keeps the lag between grant and use small next to the period the limit is defined over (a 10/1s limit holds
    /// tokens for 100 ms, not a whole period); the one-second cap keeps tokens parked on a silo that stopped deciding
    /// from starving the others for long, whatever the period.
    /// </summary>
    internal static TimeSpan LeasePeriod(RateLimit limit)
    {
        var tenth = limit.Per / 10;
        return tenth < MaxLeasePeriod ? tenth : MaxLeasePeriod;
    }

    /// <summary>Takes one token for <paramref name="ruleId"/>'s limit on the credential; null when taken, else the wait.</summary>
    public ValueTask<TimeSpan?> TryAcquireAsync(string credentialId, string ruleId, RateLimit limit, DateTimeOffset now)
    {
        var entry = EntryFor(credentialId, ruleId, limit);
        return entry.TryTake(limit, now, out var answer) ? ValueTask.FromResult(answer) : AcquireSlowAsync(credentialId, ruleId, limit, now);
    }

    private async ValueTask<TimeSpan?> AcquireSlowAsync(string credentialId, string ruleId, RateLimit limit, DateTimeOffset now)
    {
        while (true)
        {
            var entry = EntryFor(credentialId, ruleId, limit);
            TaskCompletionSource<bool>? mine = null;
            Task<bool> lease;
            int returning;
            lock (entry.Gate)
            {
                if (entry.TryTakeLocked(limit, now, out var answer))
                {
                    return answer;
                }

                if (entry.Evicted)
                {
                    continue;
                }

                returning = 0;
                if (entry.Pending is null)
                {
                    // Tokens still held here are past their lease (or leased under another limit): they go back first.
                    returning = entry.Tokens;
                    entry.Tokens = 0;
                    entry.Limit = limit;
                    mine = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                    entry.Pending = mine.Task;
                }

                lease = entry.Pending;
            }

            if (mine is not null)
            {
                await LeaseAsync(entry, mine, credentialId, ruleId, limit, returning, now);
            }

            if (!await lease)
            {
                return FailedLeaseRetryAfter;
            }
        }
    }

    private ITimer StartSweep() => _clock.Time.CreateTimer(static s => ((CredentialLimits)s!).Sweep(), this, SweepInterval, SweepInterval);

    private Entry EntryFor(string credentialId, string ruleId, RateLimit limit) =>
        _entries.GetOrAdd((credentialId, ruleId), static (_, l) => new Entry(l), limit);

    // Runs outside the entry's lock; completes the shared lease only after the entry holds its outcome, so every
    // waiter that wakes sees it.
    private async Task LeaseAsync(Entry entry, TaskCompletionSource<bool> lease, string credentialId, string ruleId, RateLimit limit, int returning, DateTimeOffset startedAt)
    {
        bool answered;
        try
        {
            var grain = _grains.GetGrain<ICredentialGrain>(credentialId);
            if (returning > 0)
            {
                await ReturnAsync(grain, credentialId, ruleId, limit, returning);
            }

            Interlocked.Increment(ref _leaseCalls);
            var grant = await grain.LeaseTokens(ruleId, limit, BatchSize(limit));
            lock (entry.Gate)
            {
                entry.Pending = null;
                if (grant.Granted > 0)
                {
                    entry.Tokens += grant.Granted;
                    entry.ExpiresAt = startedAt + LeasePeriod(limit);
                    entry.RecheckAt = entry.RetryAt = DateTimeOffset.MinValue;
                }
                else
                {
                    // Empty: refuse locally until the bucket refills, but look again after a lease period at the
                    // latest, as other silos may give tokens back before then.
                    entry.RetryAt = startedAt + grant.RetryAfter;
                    entry.RecheckAt = startedAt + (grant.RetryAfter < LeasePeriod(limit) ? grant.RetryAfter : LeasePeriod(limit));
                }
            }

            answered = true;
        }
        catch (Exception exception)
        {
            LogWarningLeaseFailed(_logger, credentialId, ruleId, exception);
            lock (entry.Gate)
            {
                // Fail closed, and do not queue every decision of the next second behind another call that may hang.
                entry.Pending = null;
                entry.RecheckAt = entry.RetryAt = _clock.UtcNow + FailedLeaseRetryAfter;
            }

            answered = false;
        }

        lease.SetResult(answered);
    }

    private async Task ReturnAsync(ICredentialGrain grain, string credentialId, string ruleId, RateLimit limit, int count)
    {
        try
        {
            await grain.ReturnTokens(ruleId, limit, count);
            Interlocked.Add(ref _returnedTokens, count);
        }
        catch (Exception exception)
        {
            // Lost tokens only make the limit stricter until the bucket refills.
            LogWarningReturnFailed(_logger, count, credentialId, ruleId, exception);
        }
    }

    private void Sweep()
    {
        try
        {
            var now = _clock.UtcNow;
            foreach (var (key, entry) in _entries)
            {
                int returning;
                RateLimit limit;
                lock (entry.Gate)
                {
                    if (!entry.TryRelease(now, out returning, out limit))
                    {
                        if (entry.IsIdle(now, IdleEviction))
                        {
                            entry.Evicted = true;
                            _entries.TryRemove(KeyValuePair.Create(key, entry));
                        }

                        continue;
                    }
                }

                _ = ReturnAsync(_grains.GetGrain<ICredentialGrain>(key.Credential), key.Credential, key.Rule, limit, returning);
            }
        }
        catch (Exception exception)
        {
            LogErrorSweepFailed(_logger, exception);
        }
    }

    public void Dispose() => _sweep.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Leasing tokens of credential {CredentialId} for rule {RuleId} failed; its decisions are rate limited until a lease succeeds")]
    private static partial void LogWarningLeaseFailed(ILogger logger, string credentialId, string ruleId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Returning {Count} unspent tokens of credential {CredentialId} for rule {RuleId} failed; the limit is stricter until the bucket refills")]
    private static partial void LogWarningReturnFailed(ILogger logger, int count, string credentialId, string ruleId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweeping per-credential token leases failed")]
    private static partial void LogErrorSweepFailed(ILogger logger, Exception exception);

    /// <summary>One (credential, rule)'s tokens on this silo. Every field is guarded by <see cref="Gate"/>.</summary>
    private sealed class Entry(RateLimit limit)
    {
        public readonly Lock Gate = new();

        /// <summary>The limit the held tokens were leased under.</summary>
        public RateLimit Limit = limit;

        /// <summary>Leased, unspent tokens.</summary>
        public int Tokens;

        /// <summary>When the held tokens stop being spendable and must go back.</summary>
        public DateTimeOffset ExpiresAt;

        /// <summary>The bucket was empty: refuse locally, without a call, until then.</summary>
        public DateTimeOffset RecheckAt = DateTimeOffset.MinValue;

        /// <summary>The retry-after refused decisions report (when the bucket said it refills one).</summary>
        public DateTimeOffset RetryAt = DateTimeOffset.MinValue;

        /// <summary>The lease call in flight, shared by every decision waiting for it; true when it got an answer.</summary>
        public Task<bool>? Pending;

        public DateTimeOffset LastUsedAt = DateTimeOffset.MinValue;

        /// <summary>Dropped from the silo's map; whoever still holds it looks the key up again.</summary>
        public bool Evicted;

        /// <summary>The fast path: true with the answer when it needs no call (a token here, or a known-empty bucket).</summary>
        public bool TryTake(RateLimit limit, DateTimeOffset now, out TimeSpan? answer)
        {
            lock (Gate)
            {
                return TryTakeLocked(limit, now, out answer);
            }
        }

        public bool TryTakeLocked(RateLimit limit, DateTimeOffset now, out TimeSpan? answer)
        {
            if (now > LastUsedAt)
            {
                LastUsedAt = now;
            }

            answer = null;
            if (Evicted || !Equals(limit, Limit))
            {
                // Evicted: look the key up again. Another limit (the policy changed): lease afresh under it.
                return false;
            }

            if (Tokens > 0 && now < ExpiresAt)
            {
                Tokens--;
                return true;
            }

            if (Tokens == 0 && now < RecheckAt)
            {
                answer = RetryAt - now;
                return true;
            }

            return false;
        }

        /// <summary>Takes out the tokens whose lease has ended, for the sweep to give back.</summary>
        public bool TryRelease(DateTimeOffset now, out int tokens, out RateLimit limit)
        {
            limit = Limit;
            tokens = 0;
            if (Pending is not null || Tokens == 0 || now < ExpiresAt)
            {
                return false;
            }

            tokens = Tokens;
            Tokens = 0;
            return true;
        }

        public bool IsIdle(DateTimeOffset now, TimeSpan after) => Pending is null && Tokens == 0 && now - LastUsedAt >= after;
    }
}
