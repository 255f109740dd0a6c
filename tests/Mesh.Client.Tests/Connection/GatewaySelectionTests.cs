using Mesh.Contracts.Decisions;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Messaging;

namespace Mesh.Client.Tests.Connection;

/// <summary>
/// The gateway the application names is the one the SDK connects to: a real embedded silo listens on a free,
/// non-default gateway port, and each gate must get a decision only that silo can make (an allow for an agent
/// registered there), and the connected Orleans client must not know 127.0.0.1:30000 at all: a default left in the
/// list fails the test even when the client happens to pick the live gateway.
/// </summary>
public sealed class GatewaySelectionTests : IAsyncLifetime
{
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private string Gateway => $"127.0.0.1:{_mesh.GatewayPort}";

    [Fact]
    public async Task A_gateway_set_by_collection_initializer_is_the_one_connected_to()
    {
        Assert.NotEqual(30000, _mesh.GatewayPort);
        await using var gate = MeshGate.Create(new MeshGateOptions { Gateways = { Gateway }, DecisionTimeout = TimeSpan.FromSeconds(10) }, NullLoggerFactory.Instance);

        await AssertTheSiloAnswersAsync(gate);
    }

    [Fact]
    public async Task Create_with_host_and_port_connects_to_that_gateway()
    {
        await using var gate = MeshGate.Create(Gateway, NullLoggerFactory.Instance);

        await AssertTheSiloAnswersAsync(gate);
    }

    [Fact]
    public async Task Create_with_several_gateways_connects_through_one_that_answers()
    {
        var dead = $"127.0.0.1:{FreePorts.Take(1)[0]}";
        await using var gate = MeshGate.Create([dead, Gateway], NullLoggerFactory.Instance);

        await AssertTheSiloAnswersAsync(gate);
    }

    [Fact]
    public async Task AddMeshClient_with_an_assigned_gateway_list_connects_to_it()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddMeshClient(o => o.Gateways = [Gateway]);
        using var host = builder.Build();
        await host.StartAsync();

        await AssertTheSiloAnswersAsync((MeshGate)host.Services.GetRequiredService<IMeshGate>());
        await host.StopAsync();
    }

    // An allow for an agent registered on this silo only: neither the SDK's fail-closed deny nor another mesh's answer.
    private async Task AssertTheSiloAnswersAsync(MeshGate gate)
    {
        var scenario = new Scenario(_mesh.Operator, _mesh.Operator);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));

        var decision = await gate.CheckAsync(agent.Request("shell", "exec", "ls"));
        var known = await gate.ConnectedClient!.ServiceProvider.GetRequiredService<IGatewayListProvider>().GetGateways();

        Assert.Equal(Effect.Allow, decision.Effect);
        Assert.Contains(known, g => g.Port == _mesh.GatewayPort);
        Assert.DoesNotContain(known, g => g.Port == 30000);
    }
}
