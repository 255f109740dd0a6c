using Mesh.Client;
using Mesh.Testing;

namespace Mesh.Cluster.Tests.Harness;

/// <summary>
/// A cluster-mode mesh of silo processes on loopback against one PostgreSQL database, as <c>deploy/local</c> runs it.
/// Silos are real processes, so they can be killed with SIGKILL and restarted; the data folder is shared only for
/// the first admin token.
/// </summary>
internal sealed class ProcessCluster : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    // Faster failure detection than Orleans' defaults so a killed silo is declared dead in seconds, not a minute.
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["Orleans__Membership__ProbeTimeout"] = "00:00:02",
        ["Orleans__Membership__NumMissedProbesLimit"] = "2",
        ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
        ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
        ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:05",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Mesh__FreeAuthFailures"] = "1000",
        ["Mesh__ClusterSecret"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
    };

    private readonly string _connectionString;
    private readonly List<SiloNode> _silos = [];
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "mesh-cluster-" + Guid.NewGuid().ToString("N"));

    private ProcessCluster(string connectionString) => _connectionString = connectionString;

    /// <summary>Every silo this cluster started, the killed ones included.</summary>
    public IReadOnlyList<SiloNode> Silos => _silos;

    /// <summary>The silos still running.</summary>
    public IEnumerable<SiloNode> Live => _silos.Where(s => !s.Process.HasExited);

    /// <summary>The first admin token, written by whichever silo bootstrapped the empty cluster.</summary>
    public string AdminToken => File.ReadAllText(Path.Combine(_dataDir, "admin.token")).Trim();

    public static async Task<ProcessCluster> StartAsync(string connectionString, int silos)
    {
        var cluster = new ProcessCluster(connectionString);
        Directory.CreateDirectory(cluster._dataDir);
        await cluster.AddSilosAsync(silos);
        return cluster;
    }

    /// <summary>Starts <paramref name="count"/> more silos at once and waits until each serves.</summary>
    public async Task AddSilosAsync(int count)
    {
        var started = new List<SiloNode>();
        for (var i = 0; i < count; i++)
        {
            var ports = FreePorts.Take(3);
            var name = $"mesh-silo-{_silos.Count + started.Count}";

            // Each silo names its PostgreSQL sessions, so a test can see which silo's session waits on what.
            var connection = $"{_connectionString};Application Name={name}";
            var process = new SiloProcess(
                [
                    "--mode", "cluster", "--connection", connection, "--advertised-address", "127.0.0.1",
                    "--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-url", $"http://127.0.0.1:{ports[2]}",
                    "--data-dir", _dataDir,
                ],
                Environment);
            started.Add(new SiloNode(name, process, ports[0], ports[1], new Uri($"http://127.0.0.1:{ports[2]}/")));
        }

        _silos.AddRange(started);
        await Task.WhenAll(started.Select(s => s.Process.WaitForOutputAsync("Mesh ready", StartTimeout)));

        // What a load balancer or Kubernetes waits for: the silo's control-plane view is loaded and current.
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var silo in started)
        {
            await Poll.UntilAsync(
                async () =>
                {
                    // A silo still starting on a busy machine may not answer within the probe's timeout: not ready yet.
                    try
                    {
                        using var response = await probe.GetAsync(new Uri(silo.Http, "readyz"));
                        return response.IsSuccessStatusCode;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        return false;
                    }
                },
                StartTimeout,
                $"/readyz of the silo at {silo.Http}");
        }
        await Poll.UntilAsync(() => File.Exists(Path.Combine(_dataDir, "admin.token")), StartTimeout, "the first admin token");
    }

    /// <summary>SIGKILL: the silo gets no chance to hand anything over.</summary>
    public void Kill(SiloNode silo) => silo.Process.Kill();

    /// <summary>Kills every silo and starts <paramref name="count"/> new ones on the same database.</summary>
    public async Task RestartAllAsync(int count)
    {
        foreach (var silo in Live.ToList())
        {
            silo.Process.Kill();
        }

        await AddSilosAsync(count);
    }

    /// <summary>An HTTP client for a live silo's API with the admin token.</summary>
    public MeshHttp Operator(SiloNode? silo = null) => new((silo ?? Live.First()).Http, AdminToken);

    /// <summary>An SDK gate that finds the gateways through PostgreSQL, as a runtime in a cluster deployment does.</summary>
    public MeshGate Gate() => MeshGate.Create(new MeshGateOptions
    {
        ClusterConnectionString = _connectionString,
        DecisionTimeout = TimeSpan.FromSeconds(5),
        ReconnectDelay = TimeSpan.FromMilliseconds(200),
    });

    /// <summary>Everything the silos printed, for failure messages.</summary>
    public string Output() => string.Join("\n", _silos.Select((s, i) => $"--- silo {i} (exited: {s.Process.HasExited}) ---\n{Tail(s.Process.Output)}"));

    public ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            silo.Process.Dispose();
        }

        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}

/// <summary>One silo process, the application name of its PostgreSQL sessions, and where it listens.</summary>
internal sealed record SiloNode(string Name, SiloProcess Process, int SiloPort, int GatewayPort, Uri Http);
