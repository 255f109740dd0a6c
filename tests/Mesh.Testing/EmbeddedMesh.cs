using Mesh.Client;
using Mesh.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Testing;

/// <summary>
/// The real embedded silo (the one <c>dotnet run --project src/Mesh.Silo</c> starts), hosted in the test process on
/// free loopback ports with a SQLite file in a temporary folder. Unlike the in-process test cluster it listens on
/// real TCP, so SDK clients connect to it exactly as runtimes do.
/// </summary>
public sealed class EmbeddedMesh : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly bool _ownsDataDir;
    private bool _stopped;

    private EmbeddedMesh(IHost host, string dataDir, int siloPort, int gatewayPort, int httpPort, bool ownsDataDir)
    {
        _host = host;
        DataDir = dataDir;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpBase = new Uri($"http://127.0.0.1:{httpPort}");
        _ownsDataDir = ownsDataDir;
    }

    /// <summary>Base address of the HTTP API.</summary>
    public Uri HttpBase { get; }

    /// <summary>The admin token the silo wrote on its first start.</summary>
    public string AdminToken => File.ReadAllText(Path.Combine(DataDir, "admin.token")).Trim();

    /// <summary>An HTTP client for the API, authenticated with <paramref name="token"/> when given.</summary>
    public HttpClient Http(string? token = null)
    {
        var client = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>The data folder (holding <c>mesh.db</c>).</summary>
    public string DataDir { get; }

    /// <summary>The silo-to-silo port (a second silo joins with <c>--primary-silo-port</c> and this port).</summary>
    public int SiloPort { get; }

    /// <summary>The gateway port runtimes connect to.</summary>
    public int GatewayPort { get; }

    /// <summary>The silo's own grain factory, for operator calls.</summary>
    public IGrainFactory Operator => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>
    /// Starts a silo; with <paramref name="dataDir"/> it reuses that folder (a restart), else a new one. A second silo of
    /// the same embedded cluster: the first one's data folder and <c>--primary-silo-port</c> with its <see cref="SiloPort"/>.
    /// </summary>
    public static async Task<EmbeddedMesh> StartAsync(string? dataDir = null, params string[] extraArgs)
    {
        var owns = dataDir is null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "mesh-test-" + Guid.NewGuid().ToString("N"));
        var ports = FreePorts.Take(3);
        var host = MeshSiloHost.Build(["--data-dir", dataDir, "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-url", $"http://127.0.0.1:{ports[2]}", .. extraArgs]);
        await host.StartAsync();
        return new EmbeddedMesh(host, dataDir, ports[0], ports[1], ports[2], owns);
    }

    /// <summary>SDK options pointing at this silo.</summary>
    public MeshGateOptions GateOptions(TimeSpan? decisionTimeout = null)
    {
        var options = new MeshGateOptions { DecisionTimeout = decisionTimeout ?? TimeSpan.FromSeconds(10), ReconnectDelay = TimeSpan.FromMilliseconds(200) };
        options.Gateways.Clear();
        options.Gateways.Add($"127.0.0.1:{GatewayPort}");
        return options;
    }

    /// <summary>Stops the silo cleanly (as Ctrl+C would), keeping the data folder.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
        if (_ownsDataDir)
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
