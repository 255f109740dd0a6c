using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Client.Tests.Connection;

public sealed class GatewayOptionsTests
{
    [Fact]
    public void With_nothing_set_the_gateway_is_the_local_embedded_silo()
    {
        Assert.Equal(["127.0.0.1:30000"], new MeshGateOptions().EffectiveGateways);
        Assert.Empty(new MeshGateOptions().Gateways);
    }

    [Fact]
    public void A_collection_initializer_replaces_the_default_gateway()
    {
        var options = new MeshGateOptions { Gateways = { "127.0.0.1:40000" } };

        Assert.Equal(["127.0.0.1:40000"], options.EffectiveGateways);
    }

    [Fact]
    public void Assigning_a_list_replaces_the_default_gateway()
    {
        var options = new MeshGateOptions { Gateways = ["10.0.0.5:30000", "10.0.0.6:30000"] };

        Assert.Equal(["10.0.0.5:30000", "10.0.0.6:30000"], options.EffectiveGateways);
    }

    [Fact]
    public void Clear_then_add_still_replaces_the_default_gateway()
    {
        var options = new MeshGateOptions();
        options.Gateways.Clear();
        options.Gateways.Add("127.0.0.1:40000");

        Assert.Equal(["127.0.0.1:40000"], options.EffectiveGateways);
    }

    [Fact]
    public void A_null_gateway_list_is_refused()
    {
        Assert.Throws<ArgumentNullException>(() => new MeshGateOptions { Gateways = null! });
    }

    [Fact]
    public void Create_refuses_a_malformed_endpoint_and_names_it()
    {
        var single = Assert.Throws<ArgumentException>(() => MeshGate.Create("127.0.0.1", NullLoggerFactory.Instance));
        var second = Assert.Throws<ArgumentException>(() => MeshGate.Create(["127.0.0.1:40000", "127.0.0.1:4x"], NullLoggerFactory.Instance));
        var inOptions = Assert.Throws<ArgumentException>(() => MeshGate.Create(new MeshGateOptions { Gateways = { "not an endpoint" } }, NullLoggerFactory.Instance));

        Assert.Contains("'127.0.0.1' is not a gateway endpoint: the port is missing", single.Message, StringComparison.Ordinal);
        Assert.Contains("Gateways[1] '127.0.0.1:4x'", second.Message, StringComparison.Ordinal);
        Assert.Contains("'not an endpoint'", inOptions.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => MeshGate.Create(Array.Empty<string>(), NullLoggerFactory.Instance));
        Assert.Throws<ArgumentNullException>(() => MeshGate.Create((string)null!));
    }

    [Fact]
    public void AddMeshClient_refuses_a_malformed_endpoint_when_it_is_registered()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() => services.AddMeshClient(o => o.Gateways = ["mesh:http"]));

        Assert.Contains("'mesh:http'", error.Message, StringComparison.Ordinal);
    }
}
