using System.Net;
using Mesh.Silo.Api.Auth;
using Mesh.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Api;

public sealed class ThrottleTests
{
    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.7");

    [Fact]
    public void Failures_beyond_the_free_ones_block_with_a_growing_delay_that_expires()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 3);

        throttle.RecordFailure(Attacker);
        throttle.RecordFailure(Attacker);
        Assert.False(throttle.IsBlocked(Attacker, out _));
        throttle.RecordFailure(Attacker);
        Assert.True(throttle.IsBlocked(Attacker, out var first));
        throttle.RecordFailure(Attacker);
        Assert.True(throttle.IsBlocked(Attacker, out var second));
        Assert.Equal(TimeSpan.FromSeconds(1), first);
        Assert.Equal(TimeSpan.FromSeconds(2), second);
        Assert.False(throttle.IsBlocked(IPAddress.Loopback, out _));

        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(throttle.IsBlocked(Attacker, out _));
    }

    [Fact]
    public void The_block_never_exceeds_the_maximum_and_a_success_clears_the_record()
    {
        var time = new FakeTimeProvider();
        var throttle = new AuthFailureThrottle(time, freeFailures: 1);
        for (var i = 0; i < 40; i++)
        {
            throttle.RecordFailure(Attacker);
        }

        Assert.True(throttle.IsBlocked(Attacker, out var wait));
        Assert.Equal(AuthFailureThrottle.MaxBlock, wait);
        throttle.RecordSuccess(Attacker);
        Assert.False(throttle.IsBlocked(Attacker, out _));
    }

    [Fact]
    public async Task Repeated_bad_tokens_from_one_address_are_answered_429_with_retry_after()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        using var bad = mesh.Http("mesh_ot_0123456789ab.guess");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await bad.GetAsync("v1/tokens")).StatusCode);
        }

        using var throttled = await bad.GetAsync("v1/tokens");
        using var good = mesh.Http(mesh.AdminToken);
        using var evenTheRightToken = await good.GetAsync("v1/tokens");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.TooManyRequests, evenTheRightToken.StatusCode);
    }
}
