using System.Collections.Concurrent;
using System.Reflection;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Grains.Hosting;
using Mesh.Grains.RateLimiting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Grains.Tests.RateLimiting;

/// <summary>
/// Per-credential limits on a three-silo cluster: silos lease tokens from the credential grain in batches, so the
/// limit holds across silos (never more allowed than the bucket granted, at most (silos − 1) × batch fewer) without a
/// credential-grain call per decision.
/// </summary>
public sealed class CredentialLimitAcrossSilosTests : IAsyncLifetime
{
    private const int Silos = 3;

    // Its own cluster: these tests count lease calls per silo and move the shared clock.
    private readonly MeshCluster _mesh = MeshCluster.WithSilos(Silos);

    public Task InitializeAsync() => _mesh.InitializeAsync();

    public Task DisposeAsync() => _mesh.DisposeAsync();

    [Fact]
    public async Task Agents_on_every_silo_together_never_get_more_than_the_limit_and_lose_at_most_the_parked_batches()
    {
        var limit = new RateLimit { Permits = 30, Per = TimeSpan.FromMinutes(1) };
        var batch = CredentialLimits.BatchSize(limit);
        var (scenario, agents) = await AgentsSharingACredentialAsync("30/1m", agents: Silos);

        // One busy agent and two that decide once: the quiet silos park the rest of their batch, and the busy one is
        // refused once its batch and the bucket are empty.
        var burst = await DecideConcurrentlyAsync(scenario, agents, agent => agent == 0 ? 3 * limit.Permits : 1);
        Assert.InRange(burst.Allowed, limit.Permits - ((Silos - 1) * batch), limit.Permits);
        Assert.NotEmpty(burst.Refused);
        Assert.All(burst.Refused, d => Assert.Equal(ReasonCode.RateLimited, d.Reason));
        Assert.All(burst.Refused, d => Assert.True(d.RetryAfter > TimeSpan.Zero, "a rate-limited decision says when to retry"));

        // Parked tokens are not lost: their silos spend them, and then every silo is refused. Exactly the limit, no more.
        var drained = 0;
        foreach (var agent in agents)
        {
            drained += await DecideUntilLimitedAsync(scenario, agent);
        }

        Assert.Equal(limit.Permits, burst.Allowed + drained);

        _mesh.Clock.Advance(limit.Per);
        var next = await DecideConcurrentlyAsync(scenario, agents, agent => agent == 0 ? 3 * limit.Permits : 1);

        Assert.InRange(next.Allowed, limit.Permits - ((Silos - 1) * batch), limit.Permits);
    }

    [Fact]
    public async Task Decisions_spend_leased_tokens_without_a_call_per_decision()
    {
        var (scenario, agents) = await AgentsSharingACredentialAsync("1000/1m", agents: 2 * Silos);
        var before = LeaseCallsPerSilo();

        var result = await DecideConcurrentlyAsync(scenario, agents, _ => 50);

        var calls = LeaseCallsPerSilo().Select((n, silo) => n - before[silo]).ToArray();
        Assert.Equal(300, result.Allowed);
        // 100 concurrent decisions per silo and batches of 100: one lease call per silo, shared by all of them.
        Assert.Equal(100, CredentialLimits.BatchSize(new RateLimit { Permits = 1000, Per = TimeSpan.FromMinutes(1) }));
        Assert.All(calls, n => Assert.Equal(1, n));
    }

    [Fact]
    public async Task Tokens_a_silo_stops_using_go_back_after_the_lease_period_for_another_silo_to_spend()
    {
        // A day's period: refill during the test is a thousandth of a token, so every count below is exact.
        var limit = new RateLimit { Permits = 100, Per = TimeSpan.FromDays(1) };
        var batch = CredentialLimits.BatchSize(limit);
        var (scenario, agents) = await AgentsSharingACredentialAsync("100/1d", agents: 2);
        var (idle, busy) = (agents[0], agents[1]);

        Assert.Equal(Effect.Allow, (await DecideAsync(scenario, idle)).Effect);
        var drained = await DecideUntilLimitedAsync(scenario, busy);
        Assert.Equal(100 - batch, drained);

        _mesh.Clock.Advance(CredentialLimits.LeasePeriod(limit) + CredentialLimits.SweepInterval);
        var idleSilo = Limits(0);
        await Poll.UntilAsync(() => idleSilo.ReturnedTokens >= batch - 1, TimeSpan.FromSeconds(30), "the idle silo to return its unspent tokens");

        Assert.Equal(batch - 1, await DecideUntilLimitedAsync(scenario, busy));
    }

    [Fact]
    public async Task An_orleans_client_can_neither_lease_nor_return_tokens()
    {
        // Returning tokens refills the bucket, so a client that could call it could lift the limit.
        var (scenario, _) = await AgentsSharingACredentialAsync("1/1d", agents: 1);
        var limit = new RateLimit { Permits = 1, Per = TimeSpan.FromDays(1) };
        var credential = _mesh.Client.GetGrain<ICredentialGrain>(scenario.Id("card"));

        var lease = await Assert.ThrowsAsync<MeshException>(() => credential.LeaseTokens("pay", limit, 1).AsTask());
        var giveBack = await Assert.ThrowsAsync<MeshException>(() => credential.ReturnTokens("pay", limit, 1).AsTask());

        Assert.Equal(MeshErrorCode.AccessDenied, lease.Code);
        Assert.Equal(MeshErrorCode.AccessDenied, giveBack.Code);
    }

    private async Task<(Scenario Scenario, TestAgent[] Agents)> AgentsSharingACredentialAsync(string limit, int agents)
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of($"  - id: pay\n    effect: allow\n    match: {{ tools: [payments] }}\n    limits: {{ per_credential: \"{limit}\" }}\n"));
        await scenario.IssueCredentialAsync("card");
        var registered = new TestAgent[agents];
        for (var i = 0; i < agents; i++)
        {
            registered[i] = await scenario.RegisterAsync($"a{i}", Registrations.With(credentials: [scenario.Id("card")]));
        }

        await _mesh.SpreadOverSilosAsync(registered.Select(a => (IAddressable)a.Runtime).ToArray());
        return (scenario, registered);
    }

    private static Task<Decision> DecideAsync(Scenario scenario, TestAgent agent) =>
        agent.DecideAsync("payments", "charge", "x", scenario.Id("card"));

    private static async Task<(int Allowed, Decision[] Refused)> DecideConcurrentlyAsync(Scenario scenario, TestAgent[] agents, Func<int, int> decisionsOf)
    {
        var decisions = await Task.WhenAll(agents.SelectMany((a, i) => Enumerable.Range(0, decisionsOf(i)).Select(_ => DecideAsync(scenario, a))));
        return (decisions.Count(d => d.Effect == Effect.Allow), decisions.Where(d => d.Effect != Effect.Allow).ToArray());
    }

    private static async Task<int> DecideUntilLimitedAsync(Scenario scenario, TestAgent agent)
    {
        for (var allowed = 0; allowed < 1000; allowed++)
        {
            var decision = await DecideAsync(scenario, agent);
            if (decision.Effect != Effect.Allow)
            {
                Assert.Equal(ReasonCode.RateLimited, decision.Reason);
                return allowed;
            }
        }

        throw new InvalidOperationException("The limit never applied.");
    }

    private CredentialLimits Limits(int silo) => _mesh.Cluster.Silos[silo].ServiceProvider.GetRequiredService<CredentialLimits>();

    private long[] LeaseCallsPerSilo() => Enumerable.Range(0, Silos).Select(s => Limits(s).LeaseCalls).ToArray();
}

/// <summary>
/// <see cref="CredentialLimits"/> against a scripted credential grain: the cases a live cluster cannot produce on
/// demand (a lease call in flight, a lease call that fails).
/// </summary>
public sealed class CredentialLimitLeaseTests : IDisposable
{
    private static readonly RateLimit Limit = new() { Permits = 100, Per = TimeSpan.FromMinutes(1) };
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
    private readonly ScriptedCredentialGrain _grain;
    private readonly CredentialLimits _limits;

    public CredentialLimitLeaseTests()
    {
        var grain = DispatchProxy.Create<ICredentialGrain, ScriptedCredentialGrain>();
        var grains = DispatchProxy.Create<IGrainFactory, SingleGrainFactory>();
        ((SingleGrainFactory)(object)grains).Grain = grain;
        _grain = (ScriptedCredentialGrain)(object)grain;
        _limits = new CredentialLimits(grains, new MeshClock(_time), NullLogger<CredentialLimits>.Instance);
    }

    public void Dispose() => _limits.Dispose();

    [Fact]
    public async Task Concurrent_decisions_on_an_empty_batch_share_one_lease_call()
    {
        var first = new TaskCompletionSource<TokenGrant>();
        _grain.Lease = want => _grain.LeaseCalls == 1 ? new ValueTask<TokenGrant>(first.Task) : new(new TokenGrant { RetryAfter = TimeSpan.FromSeconds(5) });

        var decisions = Enumerable.Range(0, 50).Select(_ => _limits.TryAcquireAsync("t/card", "pay", Limit, _time.GetUtcNow()).AsTask()).ToArray();
        Assert.Equal(1, _grain.LeaseCalls);

        first.SetResult(new TokenGrant { Granted = CredentialLimits.BatchSize(Limit) });
        var answers = await Task.WhenAll(decisions);

        Assert.Equal(CredentialLimits.BatchSize(Limit), answers.Count(a => a is null));
        Assert.All(answers.Where(a => a is not null), a => Assert.Equal(TimeSpan.FromSeconds(5), a));
        // The batch, then one call that found the bucket empty for all 40 that were left.
        Assert.Equal(2, _grain.LeaseCalls);
        Assert.Equal(TimeSpan.FromSeconds(5), await _limits.TryAcquireAsync("t/card", "pay", Limit, _time.GetUtcNow()));
        Assert.Equal(2, _grain.LeaseCalls);
    }

    [Fact]
    public async Task A_failed_lease_fails_closed_and_is_retried_after_the_retry_after()
    {
        _grain.Lease = _ => ValueTask.FromException<TokenGrant>(new TimeoutException("The credential grain did not answer."));

        var failed = await _limits.TryAcquireAsync("t/card", "pay", Limit, _time.GetUtcNow());
        var meanwhile = await _limits.TryAcquireAsync("t/card", "pay", Limit, _time.GetUtcNow());

        Assert.Equal(CredentialLimits.FailedLeaseRetryAfter, failed);
        Assert.NotNull(meanwhile);
        Assert.Equal(1, _grain.LeaseCalls);

        _grain.Lease = want => new(new TokenGrant { Granted = want });
        _time.Advance(CredentialLimits.FailedLeaseRetryAfter);

        Assert.Null(await _limits.TryAcquireAsync("t/card", "pay", Limit, _time.GetUtcNow()));
        Assert.Equal(2, _grain.LeaseCalls);
    }

    [Fact]
    public async Task Unspent_tokens_go_back_exactly_once_when_the_lease_period_ends()
    {
        _grain.Lease = want => new(new TokenGrant { Granted = want });
        Assert.Null(await _limits.TryAcquireAsync("t/card", "pay", Limit, _time.GetUtcNow()));

        _time.Advance(CredentialLimits.LeasePeriod(Limit));
        Assert.Null(await _limits.TryAcquireAsync("t/card", "pay", Limit, _time.GetUtcNow()));
        _time.Advance(CredentialLimits.SweepInterval);

        await Poll.UntilAsync(() => _limits.ReturnedTokens > 0, TimeSpan.FromSeconds(30), "the unspent tokens to go back");
        Assert.Equal(CredentialLimits.BatchSize(Limit) - 1, _grain.Returned.Sum());
        Assert.Equal(2, _grain.LeaseCalls);
    }

    /// <summary>An <see cref="IGrainFactory"/> whose every credential grain is the scripted one.</summary>
    public class SingleGrainFactory : DispatchProxy
    {
        internal ICredentialGrain Grain { get; set; } = null!;

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
            targetMethod?.ReturnType == typeof(ICredentialGrain) ? Grain : throw new NotSupportedException(targetMethod?.Name);
    }

    /// <summary>The lease half of a credential grain, scripted by the test; every other method is unsupported.</summary>
    public class ScriptedCredentialGrain : DispatchProxy
    {
        private int _leaseCalls;

        internal Func<int, ValueTask<TokenGrant>> Lease { get; set; } = want => new(new TokenGrant { Granted = want });

        internal ConcurrentQueue<int> Returned { get; } = new();

        internal int LeaseCalls => Volatile.Read(ref _leaseCalls);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            switch (targetMethod?.Name)
            {
                case nameof(ICredentialGrain.LeaseTokens):
                    Interlocked.Increment(ref _leaseCalls);
                    return Lease((int)args![2]!);
                case nameof(ICredentialGrain.ReturnTokens):
                    Returned.Enqueue((int)args![2]!);
                    return ValueTask.CompletedTask;
                default:
                    throw new NotSupportedException(targetMethod?.Name);
            }
        }
    }
}
