using System.Net;
using Mesh.Policy.Destinations;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Policy.Tests.Destinations;

public sealed class CachingDestinationResolverTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Serves_from_the_cache_until_the_ttl_passes()
    {
        var time = new FakeTimeProvider();
        var inner = new FakeDestinationResolver().Answer("example.com", "93.184.216.34");
        var cache = new CachingDestinationResolver(inner, time, Ttl);

        var first = await cache.ResolveAsync("example.com", default);
        time.Advance(Ttl - TimeSpan.FromTicks(1));
        var second = await cache.ResolveAsync("EXAMPLE.com", default);

        Assert.Equal(1, inner.LookupCount);
        Assert.Equal(first, second);
        Assert.Equal(IPAddress.Parse("93.184.216.34"), Assert.Single(second));

        time.Advance(TimeSpan.FromTicks(1));
        await cache.ResolveAsync("example.com", default);

        Assert.Equal(2, inner.LookupCount);
    }

    [Fact]
    public async Task A_cache_hit_completes_synchronously()
    {
        var inner = new FakeDestinationResolver().Answer("example.com", "93.184.216.34");
        var cache = new CachingDestinationResolver(inner, new FakeTimeProvider(), Ttl);
        await cache.ResolveAsync("example.com", default);

        Assert.True(cache.ResolveAsync("example.com", default).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Does_not_cache_failures()
    {
        var inner = new FakeDestinationResolver().Fail("flaky.example");
        var cache = new CachingDestinationResolver(inner, new FakeTimeProvider(), Ttl);

        await Assert.ThrowsAnyAsync<Exception>(async () => await cache.ResolveAsync("flaky.example", default));
        inner.Answer("flaky.example", "93.184.216.34");
        var answer = await cache.ResolveAsync("flaky.example", default);

        Assert.Single(answer);
        Assert.Equal(2, inner.LookupCount);
    }

    [Fact]
    public async Task Does_not_cache_empty_answers()
    {
        var inner = new FakeDestinationResolver().Answer("empty.example");
        var cache = new CachingDestinationResolver(inner, new FakeTimeProvider(), Ttl);

        Assert.Empty(await cache.ResolveAsync("empty.example", default));
        Assert.Empty(await cache.ResolveAsync("empty.example", default));

        Assert.Equal(2, inner.LookupCount);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Stays_within_its_bound()
    {
        var time = new FakeTimeProvider();
        var inner = new FakeDestinationResolver();
        var cache = new CachingDestinationResolver(inner, time, Ttl, maxEntries: 3);
        for (var i = 0; i < 10; i++)
        {
            inner.Answer($"host{i}.example", "93.184.216.34");
            await cache.ResolveAsync($"host{i}.example", default);
            Assert.InRange(cache.Count, 1, 3);
        }
    }

    [Fact]
    public async Task Drops_expired_entries_first_when_full()
    {
        var time = new FakeTimeProvider();
        var inner = new FakeDestinationResolver().Answer("old.example", "93.184.216.34").Answer("fresh.example", "93.184.216.35").Answer("new.example", "93.184.216.36");
        var cache = new CachingDestinationResolver(inner, time, Ttl, maxEntries: 2);
        await cache.ResolveAsync("old.example", default);
        time.Advance(Ttl / 2);
        await cache.ResolveAsync("fresh.example", default);
        time.Advance(Ttl / 2);

        await cache.ResolveAsync("new.example", default);
        await cache.ResolveAsync("fresh.example", default);

        Assert.Equal(2, cache.Count);
        Assert.Equal(3, inner.LookupCount);
    }

    [Fact]
    public void Validates_its_arguments()
    {
        var inner = new FakeDestinationResolver();
        Assert.Throws<ArgumentOutOfRangeException>(() => new CachingDestinationResolver(inner, TimeProvider.System, TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CachingDestinationResolver(inner, TimeProvider.System, Ttl, maxEntries: 0));
        Assert.Throws<ArgumentNullException>(() => new CachingDestinationResolver(null!, TimeProvider.System, Ttl));
    }
}
