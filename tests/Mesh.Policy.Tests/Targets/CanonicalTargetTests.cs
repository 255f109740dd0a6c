using System.Net;
using Mesh.Policy.Compilation;
using Mesh.Policy.Destinations;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Testing;
using Mesh.Policy.Targets;
using Mesh.Testing.Targets;

namespace Mesh.Policy.Tests.Targets;

public sealed class CanonicalTargetTests
{
    public static TheoryData<string, string, string, string> Spellings()
    {
        var data = new TheoryData<string, string, string, string>();
        foreach (var (tool, target, effect, reason) in TargetSpellings.Cases)
        {
            data.Add(tool, target, effect, reason);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public void Every_spelling_is_decided_on_its_canonical_reading(string tool, string target, string effect, string reason)
    {
        var policy = PolicyCompiler.Compile(TargetSpellings.Policy, 1);

        var decided = PolicyTestRunner.DecideOffline(policy, new PolicyInput { Tool = tool, Operation = "get", Target = target, Now = DateTimeOffset.UnixEpoch });

        Assert.Equal((effect, reason), (decided.Effect, decided.Reason));
    }

    [Theory]
    [InlineData("https://93.184.216.34/x/../admin", "https://93.184.216.34/admin")]
    [InlineData("HTTPS://User:Pw@EXAMPLE.com.:443/a/./b/../c?Q=1#frag", "https://example.com/a/c?Q=1")]
    [InlineData("http://example.com", "http://example.com/")]
    [InlineData("http://example.com:8080", "http://example.com:8080/")]
    [InlineData("https://[0:0:0:0:0:0:0:1]:8443/x", "https://[::1]:8443/x")]
    [InlineData("https://[::FFFF:7F00:1]/x", "https://127.0.0.1/x")]
    [InlineData("http://0x7f.1/x", "http://127.0.0.1/x")]
    [InlineData("https://example.com/a b/\u00e4", "https://example.com/a%20b/%C3%A4")]
    [InlineData("https://example.com/%7euser/%3f", "https://example.com/~user/%3F")]
    [InlineData("https://example.com/a/b/", "https://example.com/a/b/")]
    [InlineData("https://example.com/a/..", "https://example.com/")]
    [InlineData("https://example.com/a/.", "https://example.com/a/")]
    [InlineData("https://\uff45xample.com/", "https://example.com/")]
    [InlineData("ssh://git@GitHub.com/acme/app.git", "ssh://github.com/acme/app.git")]
    [InlineData("file:///etc/../etc/passwd", "file:///etc/passwd")]
    [InlineData("file://localhost/etc/passwd", "file:///etc/passwd")]
    [InlineData("file:/etc/passwd", "file:///etc/passwd")]
    [InlineData("/etc/../etc/./passwd", "/etc/passwd")]
    [InlineData("/../etc/passwd", "/etc/passwd")]
    [InlineData("/srv//data", "/srv/data")]
    [InlineData(@"C:\Users\me\..\secret.txt", "C:/Users/secret.txt")]
    [InlineData(@"\\fileserver\share\x", "//fileserver/share/x")]
    [InlineData("rm -rf /tmp/../etc", "rm -rf /etc")]
    [InlineData("date +%Y-%m-%d %2d", "date +%Y-%m-%d %2d")]
    [InlineData("mailto:Someone@Example.com", "mailto:Someone@Example.com")]
    [InlineData("README.md", "README.md")]
    public void Reads_one_canonical_form(string target, string canonical)
    {
        var read = TargetCanonicalizer.Canonicalize(target, networkTool: false);

        Assert.Equal(TargetProblem.None, read.Problem);
        Assert.Equal(canonical, read.Value);
    }

    [Theory]
    [InlineData("Example.COM/x", "example.com/x")]
    [InlineData("2130706433/x", "127.0.0.1/x")]
    [InlineData("user@10.0.0.1:8080/a/../b", "10.0.0.1:8080/b")]
    [InlineData("example.com", "example.com")]
    public void A_network_tool_reads_a_bare_host_as_curl_does(string target, string canonical)
    {
        var read = TargetCanonicalizer.Canonicalize(target, networkTool: true);

        Assert.Equal(TargetForm.HostPath, read.Form);
        Assert.Equal(canonical, read.Value);
        Assert.Single(read.Destinations!);
    }

    [Theory]
    [InlineData("https://example.com/app", TargetForm.Url)]
    [InlineData("/home/me/project/src/main.cs", TargetForm.Text)]
    [InlineData("github.com/acme/app", TargetForm.Text)]
    public void A_canonical_target_reuses_the_agents_own_string(string target, TargetForm form)
    {
        var read = TargetCanonicalizer.Canonicalize(target, networkTool: false);

        Assert.Equal(form, read.Form);
        Assert.Same(target, read.Value);
    }

    [Fact]
    public void A_url_has_exactly_one_destination_with_the_canonical_parts()
    {
        var read = TargetCanonicalizer.Canonicalize("HTTP://0xA9FEA9FE:80/latest/meta-data?x=1", networkTool: false);

        var destination = Assert.Single(read.Destinations!);
        Assert.Equal(("169.254.169.254", IPAddress.Parse("169.254.169.254"), (int?)null, "http", "/latest/meta-data?x=1"),
            (destination.Host, destination.Address, destination.Port, destination.Scheme, destination.Path));
        Assert.Equal((read.Host, read.Scheme, read.Path), (destination.Host, destination.Scheme, destination.Path));
    }

    [Theory]
    [InlineData("file:///etc/passwd", false, DestinationCategory.Local)]
    [InlineData("unix:/var/run/docker.sock", false, DestinationCategory.Local)]
    [InlineData("gopher://example.com/", true, DestinationCategory.OtherScheme)]
    [InlineData("gopher://example.com/", false, DestinationCategory.None)]
    [InlineData("wss://example.com/socket", true, DestinationCategory.None)]
    public void Schemes_put_targets_in_guarded_categories(string target, bool networkTool, DestinationCategory expected)
    {
        Assert.Equal(expected, TargetCanonicalizer.Canonicalize(target, networkTool).SchemeCategories);
    }

    [Fact]
    public void Conditions_read_the_canonical_parts()
    {
        var policy = PolicyCompiler.Compile("""
            apiVersion: mesh/v1
            kind: Policy
            rules:
              - id: internal-only
                effect: allow
                match: { tools: [http] }
                when: cidr(request.target.ip, "10.20.0.0/16") && request.target.path == "/ok"
                open_destinations: [private]
            """, 1);

        (string, string, string?) Decide(string target) =>
            PolicyTestRunner.DecideOffline(policy, new PolicyInput { Tool = "http", Operation = "get", Target = target, Now = DateTimeOffset.UnixEpoch });

        Assert.Equal(("allow", "policy", "internal-only"), Decide("http://0x0a.20.0.1/x/../ok"));
        Assert.Equal(("deny", "target_ambiguous", null), Decide(@"http://10.20.0.1\@10.99.0.1/ok"));
        Assert.Equal(("deny", "default", null), Decide("http://10.99.0.1/ok"));
    }

    [Theory]
    [InlineData("HTTPS://Example.COM:443/a/./b*", "https://example.com/a/./b*")]
    [InlineData("https://Example.com:443/a/./b", "https://example.com/a/b")]
    [InlineData("https://0x5db8d822/admin*", "https://93.184.216.34/admin*")]
    [InlineData("https://*.Example.com:443/*", "https://*.example.com/*")]
    [InlineData(@"C:\Users\*", "C:/Users/*")]
    [InlineData("github.com/acme/*", "github.com/acme/*")]
    public void Target_patterns_are_written_in_the_canonical_form(string pattern, string canonical)
    {
        Assert.Equal(canonical, TargetPatterns.Canonicalize(pattern));
    }
}
