using System.Net;
using Mesh.Policy.Destinations;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Policy.Tests.Destinations;

public sealed class DestinationGuardTests
{
    private const string PublicV4 = "93.184.216.34";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    [Theory]
    // plain spellings
    [InlineData("http://127.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("https://127.0.0.1:443/admin", false, DestinationCategory.Loopback)]
    [InlineData("127.0.0.1", false, DestinationCategory.Loopback)]
    [InlineData("http://localhost/", false, DestinationCategory.Loopback)]
    [InlineData("HTTP://LOCALHOST:80", false, DestinationCategory.Loopback)]
    [InlineData("localhost", false, DestinationCategory.Loopback)]
    [InlineData("localhost:8080", false, DestinationCategory.Loopback)]
    [InlineData("api.localhost:3000", false, DestinationCategory.Loopback)]
    [InlineData("foo.localhost", false, DestinationCategory.Loopback)]
    [InlineData("ws://localhost:9222/devtools/browser", false, DestinationCategory.Loopback)]
    [InlineData("http://169.254.169.254/latest/meta-data/", false, DestinationCategory.Metadata)]
    [InlineData("169.254.169.254", false, DestinationCategory.Metadata)]
    [InlineData("http://169.254.170.2/v2/credentials", false, DestinationCategory.Metadata)]
    [InlineData("http://192.0.0.192/", false, DestinationCategory.Metadata)]
    [InlineData("http://100.100.100.200/latest/meta-data", false, DestinationCategory.Metadata)]
    [InlineData("http://[fd00:ec2::254]/latest/meta-data", false, DestinationCategory.Metadata)]
    [InlineData("http://metadata.google.internal/computeMetadata/v1/", false, DestinationCategory.Metadata)]
    [InlineData("http://metadata.azure.internal/", false, DestinationCategory.Metadata)]
    [InlineData("metadata", false, DestinationCategory.Metadata)]
    [InlineData("instance-data", false, DestinationCategory.Metadata)]
    [InlineData("http://instance-data.ec2.internal/latest", false, DestinationCategory.Metadata)]
    // decimal, octal, hex and short forms
    [InlineData("http://2852039166/", false, DestinationCategory.Metadata)]
    [InlineData("2852039166", true, DestinationCategory.Metadata)]
    [InlineData("http://2130706433/", false, DestinationCategory.Loopback)]
    [InlineData("0251.0376.0251.0376", false, DestinationCategory.Metadata)]
    [InlineData("0251.254.169.254", false, DestinationCategory.Metadata)]
    [InlineData("http://0251.0376.0251.0376/", false, DestinationCategory.Metadata)]
    [InlineData("0xa9fea9fe", false, DestinationCategory.Metadata)]
    [InlineData("0xa9.0xfe.0xa9.0xfe", false, DestinationCategory.Metadata)]
    [InlineData("http://0xA9.0376.43518/", false, DestinationCategory.Metadata)]
    [InlineData("http://0x7f000001/", false, DestinationCategory.Loopback)]
    [InlineData("http://017700000001/", false, DestinationCategory.Loopback)]
    [InlineData("http://0177.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("http://127.000.000.001/", false, DestinationCategory.Loopback)]
    [InlineData("http://0x7f.1/", false, DestinationCategory.Loopback)]
    [InlineData("127.1", false, DestinationCategory.Loopback)]
    [InlineData("10.1", false, DestinationCategory.Private)]
    [InlineData("http://0/", false, DestinationCategory.Unspecified)]
    // IPv6, embedded IPv4, zones
    [InlineData("http://[::1]:8080/", false, DestinationCategory.Loopback)]
    [InlineData("::1", false, DestinationCategory.Loopback)]
    [InlineData("[::1]:8080", false, DestinationCategory.Loopback)]
    [InlineData("http://[::]/", false, DestinationCategory.Unspecified)]
    [InlineData("http://[::ffff:169.254.169.254]/", false, DestinationCategory.Metadata)]
    [InlineData("http://[::ffff:a9fe:a9fe]/", false, DestinationCategory.Metadata)]
    [InlineData("http://[::169.254.169.254]/", false, DestinationCategory.Metadata)]
    [InlineData("http://[0:0:0:0:0:ffff:127.0.0.1]/", false, DestinationCategory.Loopback)]
    [InlineData("http://[::ffff:7f00:1]:80/", false, DestinationCategory.Loopback)]
    [InlineData("http://[::ffff:0:7f00:1]/", false, DestinationCategory.Loopback)]
    [InlineData("http://[64:ff9b::a9fe:a9fe]/", false, DestinationCategory.Metadata)]
    [InlineData("http://[64:ff9b::127.0.0.1]/", false, DestinationCategory.Loopback)]
    [InlineData("http://[64:ff9b::10.0.0.1]/", false, DestinationCategory.Private)]
    [InlineData("http://[2002:a9fe:a9fe::1]/", false, DestinationCategory.Metadata)]
    [InlineData("http://[fe80::1%25eth0]/", false, DestinationCategory.LinkLocal)]
    [InlineData("http://[fe80::a%25en0]:8080/x", false, DestinationCategory.LinkLocal)]
    [InlineData("[fe80::1%eth0]", false, DestinationCategory.LinkLocal)]
    [InlineData("fe80::1%eth0", false, DestinationCategory.LinkLocal)]
    [InlineData("http://[fc00::1]/", false, DestinationCategory.Private)]
    [InlineData("http://[fd12:3456::1]/", false, DestinationCategory.Private)]
    [InlineData("http://[ff02::1]/", false, DestinationCategory.Multicast)]
    [InlineData("http://::ffff:127.0.0.1/", false, DestinationCategory.Loopback)]
    // userinfo and ambiguous authorities
    [InlineData("http://trusted@169.254.169.254/", false, DestinationCategory.Metadata)]
    [InlineData("http://a:b@127.0.0.1", false, DestinationCategory.Loopback)]
    [InlineData("http://evil.com@localhost/", false, DestinationCategory.Loopback)]
    [InlineData("http://evil.com\\@127.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("http://127.0.0.1\\@evil.com/", false, DestinationCategory.Loopback)]
    [InlineData("http://127.0.0.1:80\\@evil.com/", false, DestinationCategory.Loopback)]
    [InlineData("http://127.0.0.1?@evil.com/", false, DestinationCategory.Loopback)]
    [InlineData("http://127.0.0.1#@evil.com/", false, DestinationCategory.Loopback)]
    [InlineData("git@10.0.0.1:repo.git", false, DestinationCategory.Private)]
    [InlineData("admin:secret@127.0.0.1", false, DestinationCategory.Loopback)]
    // trailing dots, case, percent-encoding, Unicode, whitespace, slashes
    [InlineData("metadata.google.internal.", false, DestinationCategory.Metadata)]
    [InlineData("https://metadata.google.internal./", false, DestinationCategory.Metadata)]
    [InlineData("127.0.0.1.", false, DestinationCategory.Loopback)]
    [InlineData("http://127.0.0.1.:80/", false, DestinationCategory.Loopback)]
    [InlineData("METADATA.Google.Internal", false, DestinationCategory.Metadata)]
    [InlineData("http://%31%32%37.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("http://%2531%2532%2537.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("http://%6c%6f%63%61%6c%68%6f%73%74/", false, DestinationCategory.Loopback)]
    [InlineData("http://127.0.0.1%2e/", false, DestinationCategory.Loopback)]
    [InlineData("http://\u24db\u24de\u24d2\u24d0\u24db\u24d7\u24de\u24e2\u24e3/", false, DestinationCategory.Loopback)]
    [InlineData("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", false, DestinationCategory.Loopback)]
    [InlineData("http://169\u3002254\u3002169\u3002254/", false, DestinationCategory.Metadata)]
    [InlineData("  http://127.0.0.1/  ", false, DestinationCategory.Loopback)]
    [InlineData("http://12\t7.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("http:/\\127.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("http:\\\\127.0.0.1\\", false, DestinationCategory.Loopback)]
    [InlineData("http:127.0.0.1", false, DestinationCategory.Loopback)]
    [InlineData("http:///127.0.0.1/", false, DestinationCategory.Loopback)]
    [InlineData("//169.254.169.254/latest", false, DestinationCategory.Metadata)]
    [InlineData("\\\\127.0.0.1\\c$", false, DestinationCategory.Loopback)]
    // other schemes, URLs inside URLs, and ranges
    [InlineData("view-source:http://127.0.0.1/", true, DestinationCategory.Loopback)]
    [InlineData("jar:http://169.254.169.254/app.jar!/", false, DestinationCategory.Metadata)]
    [InlineData("blob:http://localhost/0b5c", true, DestinationCategory.Loopback)]
    [InlineData("gopher://127.0.0.1:6379/_INFO", false, DestinationCategory.Loopback)]
    [InlineData("ftp://10.0.0.1/", false, DestinationCategory.Private)]
    [InlineData("10.0.0.5:22", false, DestinationCategory.Private)]
    [InlineData("http://192.168.1.1/", false, DestinationCategory.Private)]
    [InlineData("http://172.16.0.1/", false, DestinationCategory.Private)]
    [InlineData("172.31.255.255", false, DestinationCategory.Private)]
    [InlineData("http://0.0.0.0:8080/", false, DestinationCategory.Unspecified)]
    [InlineData("0.0.0.0", false, DestinationCategory.Unspecified)]
    [InlineData("http://100.64.0.1/", false, DestinationCategory.SharedAddressSpace)]
    [InlineData("http://224.0.0.1/", false, DestinationCategory.Multicast)]
    [InlineData("http://255.255.255.255/", false, DestinationCategory.Broadcast)]
    [InlineData("http://240.0.0.1/", false, DestinationCategory.Reserved)]
    [InlineData("http://198.18.0.1/", false, DestinationCategory.Reserved)]
    [InlineData("http://192.0.0.8/", false, DestinationCategory.Reserved)]
    // names whose DNS answers are internal
    [InlineData("https://intranet.example/", false, DestinationCategory.Private)]
    [InlineData("127.0.0.1.nip.io", true, DestinationCategory.Loopback)]
    [InlineData("https://rebind.example/", false, DestinationCategory.Loopback)]
    [InlineData("http://mapped.example/", false, DestinationCategory.Metadata)]
    public async Task Blocks_internal_destinations_in_any_spelling(string target, bool networkTool, DestinationCategory expected)
    {
        var result = await NewGuard().CheckAsync(target, networkTool);

        Assert.True(result.IsNetwork, $"{target} should be a network target");
        Assert.False(result.Allowed, $"{target} should be blocked");
        Assert.True(result.Blocked.HasFlag(expected), $"{target}: expected {expected}, got {result.Blocked}");
        Assert.Null(result.Problem);
    }

    [Theory]
    [InlineData("93.184.216.34", false)]
    [InlineData("http://93.184.216.34/", false)]
    [InlineData("93.184.216.34:443", false)]
    [InlineData("https://example.com/", false)]
    [InlineData("https://example.com:8443/path?q=1#fragment", false)]
    [InlineData("HTTPS://EXAMPLE.COM./", false)]
    [InlineData("example.com", true)]
    [InlineData("https://user:pass@example.com/", false)]
    [InlineData("http://example.com\\path\\to", false)]
    [InlineData("2606:4700::1111", false)]
    [InlineData("http://[2606:4700::1111]:80/", false)]
    [InlineData("http://[::ffff:93.184.216.34]/", false)]
    [InlineData("192.0.2.1", false)]
    [InlineData("198.51.100.7", false)]
    [InlineData("203.0.113.9", false)]
    [InlineData("http://172.32.0.1/", false)]
    [InlineData("http://100.128.0.1/", false)]
    [InlineData("http://169.255.0.1/", false)]
    [InlineData("8.8.8.8:53", false)]
    [InlineData("/etc/passwd", false)]
    [InlineData("/etc/passwd", true)]
    [InlineData("C:\\x", false)]
    [InlineData("C:\\x", true)]
    [InlineData("./relative/file.txt", false)]
    [InlineData("~/notes.md", false)]
    [InlineData("github.com/acme/app", false)]
    [InlineData("git@github.com:acme/app.git", false)]
    [InlineData("react@0.14.0", false)]
    [InlineData("issue-1234", false)]
    [InlineData("42", false)]
    [InlineData("file:///etc/passwd", false)]
    [InlineData("mailto:alice@example.com", true)]
    [InlineData("about:blank", true)]
    [InlineData("", false)]
    [InlineData(null, true)]
    public async Task Allows_public_destinations_and_non_network_targets(string? target, bool networkTool)
    {
        var result = await NewGuard().CheckAsync(target, networkTool);

        Assert.True(result.Allowed, $"{target}: blocked {result.Blocked}, problem {result.Problem}");
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("C:\\Windows\\system32")]
    [InlineData("github.com/acme/app")]
    [InlineData("react@0.14.0")]
    [InlineData("mailto:alice@example.com")]
    [InlineData("file:///etc/passwd")]
    [InlineData("   ")]
    public async Task Non_network_targets_are_not_resolved(string target)
    {
        var resolver = new FakeDestinationResolver();

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync(target, networkTool: false);

        Assert.False(result.IsNetwork);
        Assert.True(result.Allowed);
        Assert.Empty(result.CheckedAddresses);
        Assert.Equal(0, resolver.LookupCount);
    }

    [Theory]
    [InlineData("http://0xa9fea9fe/")]
    [InlineData("[::ffff:169.254.169.254]")]
    [InlineData("93.184.216.34")]
    [InlineData("http://metadata.google.internal/")]
    public async Task Literals_and_known_names_complete_synchronously_without_resolving(string target)
    {
        var resolver = new FakeDestinationResolver();

        var check = new DestinationGuard(resolver, Timeout).CheckAsync(target, networkTool: true);

        Assert.True(check.IsCompletedSuccessfully);
        Assert.True((await check).IsNetwork);
        Assert.Equal(0, resolver.LookupCount);
    }

    [Fact]
    public async Task A_name_with_one_public_and_one_private_answer_is_blocked()
    {
        var resolver = new FakeDestinationResolver().Answer("multi.example", PublicV4, "10.1.2.3");

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync("https://multi.example/data", networkTool: false);

        Assert.False(result.Allowed);
        Assert.Equal(DestinationCategory.Private, result.Blocked);
        Assert.Equal(Addresses(PublicV4, "10.1.2.3"), result.CheckedAddresses);
    }

    [Fact]
    public async Task An_allowed_name_returns_every_checked_address_for_pinning()
    {
        var resolver = new FakeDestinationResolver().Answer("example.com", PublicV4, "2606:2800:220:1:248:1893:25c8:1946");

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync("https://example.com/", networkTool: true);

        Assert.True(result.Allowed);
        Assert.True(result.IsNetwork);
        Assert.Equal(Addresses(PublicV4, "2606:2800:220:1:248:1893:25c8:1946"), result.CheckedAddresses);
        Assert.Equal(new[] { "example.com" }, resolver.Lookups);
    }

    [Fact]
    public async Task An_allowed_literal_returns_its_address()
    {
        var result = await NewGuard().CheckAsync("http://0x5d.0xb8.0xd8.0x22/", networkTool: false);

        Assert.True(result.Allowed);
        Assert.Equal(Addresses(PublicV4), result.CheckedAddresses);
    }

    [Fact]
    public async Task Every_reading_of_an_ambiguous_authority_is_checked()
    {
        var resolver = new FakeDestinationResolver().Answer("evil.com", PublicV4).Answer("good.example", "93.184.216.35");

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync("http://evil.com\\@good.example/", networkTool: false);

        Assert.True(result.Allowed);
        Assert.Equal(Addresses(PublicV4, "93.184.216.35"), result.CheckedAddresses);
    }

    [Fact]
    public async Task A_resolver_failure_is_a_problem()
    {
        var resolver = new FakeDestinationResolver().Fail("gone.example");

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync("https://gone.example/", networkTool: false);

        Assert.True(result.IsNetwork);
        Assert.False(result.Allowed);
        Assert.Equal(DestinationCategory.None, result.Blocked);
        Assert.StartsWith("could not resolve 'gone.example'", result.Problem);
    }

    [Fact]
    public async Task An_empty_answer_is_a_problem()
    {
        var resolver = new FakeDestinationResolver().Answer("empty.example");

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync("empty.example", networkTool: true);

        Assert.False(result.Allowed);
        Assert.Equal("'empty.example' resolved to no address", result.Problem);
    }

    [Theory]
    [InlineData("http://1.2.3.4.5/")]
    [InlineData("http://999.1.1.1/")]
    [InlineData("http://example.123/")]
    [InlineData("http://[::1/")]
    [InlineData("http://[::ffff:0x7f.1]/")]
    [InlineData("http://exa mple.com/")]
    [InlineData("http://x@evil.com%2F/")]
    [InlineData("http://%ff%fe/")]
    public async Task A_malformed_host_is_a_problem_and_is_not_resolved(string target)
    {
        var resolver = new FakeDestinationResolver();

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync(target, networkTool: false);

        Assert.True(result.IsNetwork);
        Assert.False(result.Allowed);
        Assert.NotNull(result.Problem);
        Assert.Equal(0, resolver.LookupCount);
    }

    [Fact]
    public async Task Problems_do_not_echo_control_characters_or_long_hosts()
    {
        var result = await NewGuard().CheckAsync("http://localhost%00.evil.com/", networkTool: false);
        Assert.Equal("'localhost?.evil.com' is not a valid host name", result.Problem);

        var longHost = new string('a', 300) + ".example";
        var longResult = await NewGuard().CheckAsync($"https://{longHost}/", networkTool: false);
        Assert.Equal($"'{new string('a', 100)}...' is not a valid host name", longResult.Problem);
    }

    [Fact]
    public async Task A_resolver_that_times_out_is_a_problem()
    {
        var time = new FakeTimeProvider();
        var resolver = new FakeDestinationResolver().Hang("slow.example");
        var guard = new DestinationGuard(resolver, Timeout, time);

        var check = guard.CheckAsync("https://slow.example/", networkTool: false);
        Assert.False(check.IsCompleted);
        time.Advance(Timeout);
        var result = await check;

        Assert.False(result.Allowed);
        Assert.Equal("resolving 'slow.example' timed out after 2000 ms", result.Problem);
    }

    [Fact]
    public async Task A_resolver_that_ignores_cancellation_still_times_out()
    {
        var time = new FakeTimeProvider();
        var resolver = new FakeDestinationResolver().HangIgnoringCancellation("stuck.example");
        var guard = new DestinationGuard(resolver, Timeout, time);

        var check = guard.CheckAsync("stuck.example", networkTool: true);
        time.Advance(Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(check.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var result = await check;

        Assert.False(result.Allowed);
        Assert.Contains("timed out", result.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_caller_cancelling_throws_instead_of_answering()
    {
        var resolver = new FakeDestinationResolver().Hang("slow.example");
        var guard = new DestinationGuard(resolver, Timeout, new FakeTimeProvider());
        using var cancel = new CancellationTokenSource();

        var check = guard.CheckAsync("https://slow.example/", networkTool: false, cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await check);
    }

    [Fact]
    public async Task A_blocked_reading_skips_resolution_of_the_others()
    {
        var resolver = new FakeDestinationResolver().Answer("evil.com", PublicV4);

        var result = await new DestinationGuard(resolver, Timeout).CheckAsync("http://evil.com\\@127.0.0.1/", networkTool: false);

        Assert.Equal(DestinationCategory.Loopback, result.Blocked);
        Assert.Equal(0, resolver.LookupCount);
    }

    [Fact]
    public async Task Works_with_the_caching_resolver()
    {
        var time = new FakeTimeProvider();
        var inner = new FakeDestinationResolver().Answer("example.com", PublicV4);
        var guard = new DestinationGuard(new CachingDestinationResolver(inner, time, TimeSpan.FromSeconds(30)), Timeout, time);

        Assert.True((await guard.CheckAsync("https://example.com/a", networkTool: false)).Allowed);
        Assert.True((await guard.CheckAsync("https://EXAMPLE.com/b", networkTool: false)).Allowed);

        Assert.Equal(1, inner.LookupCount);
    }

    [Fact]
    public void Rejects_a_timeout_that_is_not_positive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DestinationGuard(new FakeDestinationResolver(), TimeSpan.Zero));
        _ = new DestinationGuard(new FakeDestinationResolver(), System.Threading.Timeout.InfiniteTimeSpan);
    }

    private static IPAddress[] Addresses(params string[] addresses) => [.. addresses.Select(IPAddress.Parse)];

    private static DestinationGuard NewGuard() => new(Resolver(), Timeout);

    private static FakeDestinationResolver Resolver() => new FakeDestinationResolver()
        .Answer("example.com", PublicV4)
        .Answer("evil.com", PublicV4)
        .Answer("good.example", "93.184.216.35")
        .Answer("intranet.example", "10.0.0.7")
        .Answer("127.0.0.1.nip.io", "127.0.0.1")
        .Answer("rebind.example", PublicV4, "127.0.0.1")
        .Answer("mapped.example", "::ffff:169.254.169.254");
}
