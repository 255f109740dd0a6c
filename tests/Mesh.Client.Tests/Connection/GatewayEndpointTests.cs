using Mesh.Client.Connection;

namespace Mesh.Client.Tests.Connection;

public sealed class GatewayEndpointTests
{
    [Theory]
    [InlineData("127.0.0.1:40000", "127.0.0.1:40000")]
    [InlineData(" 127.0.0.1:40000 ", "127.0.0.1:40000")]
    [InlineData("[::1]:40000", "[::1]:40000")]
    [InlineData("localhost:40000", "127.0.0.1:40000")]
    [InlineData("LOCALHOST:1", "127.0.0.1:1")]
    [InlineData("10.0.0.5:65535", "10.0.0.5:65535")]
    public void Host_and_port_parse_to_the_address_connected_to(string text, string address)
    {
        Assert.Equal(address, GatewayEndpoint.Parse(text, "gateway").Address.ToString());
    }

    [Theory]
    [InlineData("", "it is empty")]
    [InlineData("   ", "it is empty")]
    [InlineData("127.0.0.1", "the port is missing")]
    [InlineData("127.0.0.1:", "the port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:0", "the port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:65536", "the port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:-1", "the port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:+30000", "the port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1: 30000", "the port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:3０000", "the port must be a number from 1 to 65535")]
    [InlineData("127.0.0.1:30000x", "the port must be a number from 1 to 65535")]
    [InlineData(":30000", "the host is missing")]
    [InlineData("::1:30000", "write an IPv6 address in brackets")]
    [InlineData("[::1]", "needs a port after it")]
    [InlineData("[::1]30000", "needs a port after it")]
    [InlineData("[127.0.0.1]:30000", "is not an IPv6 address")]
    [InlineData("127.1:30000", "is not an IPv4 address")]
    [InlineData("0127.0.0.1:30000", "is not an IPv4 address")]
    [InlineData("256.0.0.1:30000", "is not an IPv4 address")]
    [InlineData("0x7f.0.0.1:30000", "is not a host name or an IP address")]
    [InlineData("bad host:30000", "is not a host name or an IP address")]
    [InlineData("mesh/gateway:30000", "is not a host name or an IP address")]
    [InlineData("http://127.0.0.1:8080", "is a URL")]
    [InlineData("no-such-host.invalid:30000", "does not resolve")]
    public void Malformed_endpoints_are_refused_with_the_cause_and_the_expected_form(string text, string cause)
    {
        var error = Assert.Throws<ArgumentException>(() => GatewayEndpoint.Parse(text, "MeshGateOptions.Gateways[0]"));

        Assert.Contains(cause, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("MeshGateOptions.Gateways[0] '", error.Message, StringComparison.Ordinal);
        Assert.Contains("127.0.0.1:30000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Control_characters_in_a_refused_endpoint_are_shown_as_escapes()
    {
        var error = Assert.Throws<ArgumentException>(() => GatewayEndpoint.Parse("evil\n[fake] log line\u202E:1x", "gateway"));

        Assert.DoesNotContain('\n', error.Message);
        Assert.DoesNotContain('\u202E', error.Message);
        Assert.Contains("\\u000A", error.Message, StringComparison.Ordinal);
        Assert.Contains("\\u202E", error.Message, StringComparison.Ordinal);
    }
}
