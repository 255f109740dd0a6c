using System.Net;
using Mesh.Silo.Api.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Api;

/// <summary>The authentication failure throttle on its own, on a fake clock. Tests over HTTP: <see cref="OperatorLockoutTests"/>.</summary>
public sealed class ThrottleTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.7");
    private static readonly string Guessed = AuthFailureThrottle.TokenSubject("0123456789ab");
    private static readonly string Valid = AuthFailureThrottle.TokenSubject("aaaaaaaaaaaa");

    [Fact]
    public void Failures_beyond_the_free_ones_block_with_a_growing_delay_that_expires()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 3);

        throttle.RecordFailure(Attacker, Guessed);
        throttle.RecordFailure(Attacker, Guessed);
        Assert.False(throttle.IsBlocked(Attacker, Guessed, out _));
        throttle.RecordFailure(Attacker, Guessed);
        Assert.True(throttle.IsBlocked(Attacker, Guessed, out var first));
        throttle.RecordFailure(Attacker, Guessed);
        Assert.True(throttle.IsBlocked(Attacker, Guessed, out var second));
        Assert.Equal(TimeSpan.FromSeconds(1), first);
        Assert.Equal(TimeSpan.FromSeconds(2), second);
        Assert.False(throttle.IsBlocked(IPAddress.Loopback, Guessed, out _));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(throttle.IsBlocked(Attacker, Guessed, out _));
    }

    [Fact]
    public void The_block_never_exceeds_the_maximum()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 1);
        for (var i = 0; i < 40; i++)
        {
            throttle.RecordFailure(Attacker, Guessed);
        }

        Assert.True(throttle.IsBlocked(Attacker, Guessed, out var wait));
        Assert.Equal(AuthFailureThrottle.MaxBlock, wait);
    }

    [Fact]
    public void Failures_for_one_token_or_agent_never_block_another_from_the_same_address()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 2);
        for (var i = 0; i < 50; i++)
        {
            throttle.RecordFailure(Attacker, Guessed);
            throttle.RecordFailure(Attacker, AuthFailureThrottle.MalformedSubject);
            throttle.RecordFailure(Attacker, AuthFailureThrottle.AgentSubject("acme/noisy"));
        }

        Assert.True(throttle.IsBlocked(Attacker, Guessed, out _));
        Assert.True(throttle.IsBlocked(Attacker, AuthFailureThrottle.MalformedSubject, out _));
        Assert.True(throttle.IsBlocked(Attacker, AuthFailureThrottle.AgentSubject("acme/noisy"), out _));
        Assert.False(throttle.IsBlocked(Attacker, Valid, out _));
        Assert.False(throttle.IsBlocked(Attacker, AuthFailureThrottle.AgentSubject("acme/quiet"), out _));
    }

    [Fact]
    public void Failures_only_age_out_with_time_so_no_call_can_reset_them()
    {
        // There is no "success" to record: the count of a guessed token is not reset by anyone's valid calls. A failure
        // more than a window after the last one (and after its block) starts a new count.
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 3);
        throttle.RecordFailure(Attacker, Guessed);
        throttle.RecordFailure(Attacker, Guessed);
        time.Advance(AuthFailureThrottle.Window - TimeSpan.FromSeconds(1));
        throttle.RecordFailure(Attacker, Guessed);
        Assert.True(throttle.IsBlocked(Attacker, Guessed, out _));

        time.Advance(AuthFailureThrottle.Window + TimeSpan.FromSeconds(1));
        throttle.RecordFailure(Attacker, Guessed);
        throttle.RecordFailure(Attacker, Guessed);
        Assert.False(throttle.IsBlocked(Attacker, Guessed, out _));
    }

    [Fact]
    public void An_ipv6_network_counts_as_one_address_and_a_mapped_ipv4_address_as_itself()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 2);

        // Hopping through the addresses of one /64 does not give fresh free failures.
        throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2::1"), Guessed);
        throttle.RecordFailure(IPAddress.Parse("2001:db8:1:2:ffff::99"), Guessed);
        Assert.True(throttle.IsBlocked(IPAddress.Parse("2001:db8:1:2::7"), Guessed, out _));
        Assert.False(throttle.IsBlocked(IPAddress.Parse("2001:db8:1:3::1"), Guessed, out _));

        throttle.RecordFailure(IPAddress.Parse("::ffff:203.0.113.9"), Guessed);
        throttle.RecordFailure(IPAddress.Parse("203.0.113.9"), Guessed);
        Assert.True(throttle.IsBlocked(IPAddress.Parse("203.0.113.9"), Guessed, out _));
    }

    [Fact]
    public void A_spray_of_fresh_subjects_stays_bounded_and_cannot_evict_an_active_block()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 2);
        throttle.RecordFailure(Attacker, Guessed);
        throttle.RecordFailure(Attacker, Guessed);
        Assert.True(throttle.IsBlocked(Attacker, Guessed, out _));

        for (var i = 0; i < AuthFailureThrottle.MaxTracked * 2; i++)
        {
            throttle.RecordFailure(Attacker, AuthFailureThrottle.TokenSubject(i.ToString("x12", System.Globalization.CultureInfo.InvariantCulture)));
        }

        Assert.True(throttle.Tracked <= AuthFailureThrottle.MaxTracked, $"{throttle.Tracked} records tracked");
        Assert.True(throttle.IsBlocked(Attacker, Guessed, out _));
    }
}
