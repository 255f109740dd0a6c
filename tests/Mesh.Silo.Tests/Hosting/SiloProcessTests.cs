using Mesh.Client;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Errors;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Mesh.Silo.Tests.Hosting;

/// <summary>The silo as a separate process, started the way a user starts it, and a separate client talking to it.</summary>
public sealed class SiloProcessTests
{
    [Fact]
    public async Task The_silo_prints_its_ready_line_serves_a_separate_client_and_stops_cleanly_on_ctrl_c()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-proc-" + Guid.NewGuid().ToString("N"));
        var ports = FreePorts.Take(2);
        using var silo = new SiloProcess(["--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString()], new() { ["MESH_DATA_DIR"] = dataDir });
        try
        {
            await silo.WaitForOutputAsync("Mesh ready", TimeSpan.FromSeconds(60));
            Assert.Contains($"127.0.0.1:{ports[1]}", silo.Output, StringComparison.Ordinal);

            var options = new MeshGateOptions();
            options.Gateways.Clear();
            options.Gateways.Add($"127.0.0.1:{ports[1]}");
            await using var gate = MeshGate.Create(options);
            await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));
            var decision = await gate.CheckAsync(new ActionRequest { RequestId = "r1", AgentId = "acme/nobody", AgentToken = "mesh_at_x", Tool = "shell", Operation = "exec" });

            // A decision from the mesh itself (not the SDK's fail-closed deny), made with the data folder from MESH_DATA_DIR.
            Assert.Equal(ReasonCode.UnknownAgent, decision.Reason);
            Assert.True(File.Exists(Path.Combine(dataDir, "mesh.db")));

            silo.Interrupt();
            Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains("Mesh stopped", silo.Output, StringComparison.Ordinal);
        }
        finally
        {
            silo.Kill();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_raw_orleans_client_cannot_make_operator_calls_over_the_network()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, mesh.GatewayPort));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("mesh", "mesh"));
        });
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<IClusterClient>();
        var scenario = new Scenario(mesh.Operator, mesh.Operator);
        await scenario.IssueCredentialAsync("gh");

        var error = await Assert.ThrowsAsync<MeshException>(() => client.GetGrain<ICredentialGrain>(scenario.Id("gh")).Revoke("from a client"));

        Assert.Equal(MeshErrorCode.AccessDenied, error.Code);
        Assert.Equal(CredentialStatus.Active, (await scenario.Credential("gh").GetInfo()).Status);
        await host.StopAsync();
    }

    [Theory]
    [InlineData("--silo-port", "70000", "is not a port number")]
    [InlineData("--gateway-port", "11111", "must differ")]
    public async Task Bad_settings_stop_the_silo_with_a_clear_message_and_exit_code_2(string option, string value, string message)
    {
        using var silo = new SiloProcess(["--data-dir", Path.GetTempPath(), option, value], []);

        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(message, silo.Output, StringComparison.Ordinal);
    }
}
