using System.Net;
using Mesh.Policy.Destinations;

namespace Mesh.Policy.Tests.Destinations;

public sealed class DestinationParserTests
{
    [Theory]
    [InlineData("https://example.com:8443/a/b?q=1", "example.com", null, 8443, "https", "/a/b?q=1")]
    [InlineData("http://0xa9fea9fe/latest", "169.254.169.254", "169.254.169.254", null, "http", "/latest")]
    [InlineData("[fe80::1%25eth0]:8080", "fe80::1", "fe80::1", 8080, null, null)]
    [InlineData("localhost:8080/health", "localhost", null, 8080, null, "/health")]
    [InlineData("HTTP://Metadata.Google.Internal./computeMetadata", "metadata.google.internal", null, null, "http", "/computeMetadata")]
    [InlineData("http://user:pw@10.0.0.1:22", "10.0.0.1", "10.0.0.1", 22, "http", null)]
    [InlineData("s3://bucket/key", "bucket", null, null, "s3", "/key")]
    [InlineData("file://fileserver/share", "fileserver", null, null, "file", "/share")]
    public void Reads_the_parts_of_a_destination(string target, string host, string? address, int? port, string? scheme, string? path)
    {
        Assert.True(DestinationParser.TryParse(target, treatBareHostAsNetwork: false, out var candidates));

        var destination = Assert.Single(candidates);
        Assert.Equal(host, destination.Host);
        Assert.Equal(address is null ? null : IPAddress.Parse(address), destination.Address);
        Assert.Equal(port, destination.Port);
        Assert.Equal(scheme, destination.Scheme);
        Assert.Equal(path, destination.Path);
    }

    [Fact]
    public void An_ambiguous_backslash_yields_both_hosts_browser_reading_first()
    {
        Assert.True(DestinationParser.TryParse("http://evil.com\\@127.0.0.1/", false, out var candidates));

        Assert.Equal(new[] { "evil.com", "127.0.0.1" }, candidates.Select(c => c.Host));
        Assert.Equal(IPAddress.Loopback, candidates[1].Address);
    }

    [Fact]
    public void A_non_special_scheme_reads_the_rfc_authority_first()
    {
        Assert.True(DestinationParser.TryParse("gopher://evil.com\\@127.0.0.1/", false, out var candidates));

        Assert.Equal(new[] { "127.0.0.1", "evil.com" }, candidates.Select(c => c.Host));
    }

    [Theory]
    [InlineData("github.com/acme/app", false, false)]
    [InlineData("github.com/acme/app", true, true)]
    [InlineData("example.com", false, false)]
    [InlineData("example.com", true, true)]
    [InlineData("example.com:443", false, true)]
    [InlineData("https://example.com", false, true)]
    [InlineData("//cdn.example.com/lib.js", false, false)]
    [InlineData("//cdn.example.com/lib.js", true, true)]
    [InlineData("localhost", false, true)]
    [InlineData("metadata.azure.internal", false, true)]
    [InlineData("2852039166", false, false)]
    [InlineData("2852039166", true, true)]
    [InlineData("2852039166:80", false, false)]
    [InlineData("0xa9fea9fe", false, true)]
    [InlineData("1.2.3.4/32", false, true)]
    [InlineData("::1", false, true)]
    [InlineData("/etc/passwd", true, false)]
    [InlineData("C:\\x", true, false)]
    [InlineData("c:/x", false, false)]
    [InlineData("../x", true, false)]
    [InlineData("file:///etc/passwd", true, false)]
    [InlineData("data:text/plain,hi", true, false)]
    [InlineData("javascript:alert(1)", true, false)]
    [InlineData("urn:isbn:0451450523", false, false)]
    [InlineData("http://", true, false)]
    [InlineData("react@0.14.0", false, false)]
    [InlineData("pkg@10.1.0", false, false)]
    [InlineData("git@10.0.0.1:repo.git", false, true)]
    [InlineData("git@github.com:acme/app.git", false, false)]
    [InlineData("arn:aws:s3:::bucket", false, false)]
    [InlineData("", true, false)]
    [InlineData(null, true, false)]
    public void Decides_what_is_a_network_target(string? target, bool networkTool, bool expected)
    {
        Assert.Equal(expected, DestinationParser.TryParse(target, networkTool, out var candidates));
        Assert.Equal(expected, candidates.Count > 0);
    }
}
