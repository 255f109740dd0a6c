using System.Net;
using System.Net.Sockets;
using Mesh.Client;
using Microsoft.AspNetCore.Builder;
using Mesh.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Mesh.LoadTests.Targets;

/// <summary>
/// The mesh under test and the clients that drive it: an Orleans client (the same one for ping and decisions), the
/// SDK gate over it, the HTTP API addresses and an operator.
/// </summary>
internal sealed class LoadTarget : IAsyncDisposable
{
    private readonly List<WebApplication> _silos;
    private readonly IHost _clientHost;
    private readonly string? _dataDir;

    private LoadTarget(List<WebApplication> silos, IHost clientHost, IReadOnlyList<Uri> http, string? adminToken, IMeshOperator @operator, string? dataDir, int siloCount)
    {
        _silos = silos;
        _clientHost = clientHost;
        HttpBases = http;
        AdminToken = adminToken;
        Operator = @operator;
        _dataDir = dataDir;
        SiloCount = siloCount;
        Client = clientHost.Services.GetRequiredService<IClusterClient>();
        // Ping and decisions go through this one gate: the same client, wrapper and timeout.
        Gate = MeshGate.FromClusterClient(Client, new MeshGateOptions { DecisionTimeout = TimeSpan.FromSeconds(30) });
    }

    public IClusterClient Client { get; }

    public MeshGate Gate { get; }

    public IReadOnlyList<Uri> HttpBases { get; }

    public string? AdminToken { get; }

    public IMeshOperator Operator { get; }

    public int SiloCount { get; }

    /// <summary>
    /// The grain factory of a silo in this process (embedded targets), or null for a mesh this tool attached to: only
    /// a silo may ask the management grain where activations live; Orleans clients are refused.
    /// </summary>
    public IGrainFactory? SiloGrains => _silos.Count > 0 ? _silos[0].Services.GetRequiredService<IGrainFactory>() : null;

    /// <summary>
    /// Starts <paramref name="silos"/> silos in this process (one embedded cluster) with <paramref name="storage"/>
    /// (memory or sqlite) and audit <paramref name="audit"/> (durable, async, off), logging to <paramref name="log"/>
    /// instead of the console, and connects.
    /// </summary>
    public static async Task<LoadTarget> StartEmbeddedAsync(int silos, SiloLog log, string storage = "memory", string audit = "durable")
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-load-" + Guid.NewGuid().ToString("N"));
        var hosts = new List<WebApplication>();
        var gateways = new List<IPEndPoint>();
        var http = new List<Uri>();
        int? primary = null;
        for (var i = 0; i < silos; i++)
        {
            var ports = FreePorts(3);
            string[] args =
            [
                "--data-dir", dataDir, "--storage", storage, "--Mesh:Audit:Durability", audit, "--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}",
                "--http-url", $"http://127.0.0.1:{ports[2]}", "--Logging:LogLevel:Default", "Warning", "--Mesh:FreeAuthFailures", "1000000",
                .. primary is { } p ? new[] { "--primary-silo-port", $"{p}" } : [],
            ];
            var host = MeshSiloHost.Build(args, silo =>
            {
                // The silo's log goes to the file, not to the console the progress lines are written on.
                silo.Services.RemoveAll<ILoggerProvider>();
                silo.Services.AddSingleton<ILoggerProvider>(log);
            });
            await host.StartAsync();
            hosts.Add(host);
            primary ??= ports[0];
            gateways.Add(new IPEndPoint(IPAddress.Loopback, ports[1]));
            http.Add(new Uri($"http://127.0.0.1:{ports[2]}/"));
        }

        var client = await ConnectAsync(gateways);
        var token = (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin.token"))).Trim();
        var grains = hosts[0].Services.GetRequiredService<IGrainFactory>();
        return new LoadTarget(hosts, client, http, token, new GrainOperator(grains), dataDir, silos);
    }

    /// <summary>Attaches to a running mesh: its gateways for the Orleans client, its HTTP API (with an admin token) for set-up.</summary>
    public static async Task<LoadTarget> ConnectAsync(IReadOnlyList<string> gateways, string? connectionString, Uri url, string token)
    {
        var endpoints = gateways.Select(g => IPEndPoint.TryParse(g, out var e) ? e : throw new ArgumentException($"'{g}' is not a gateway endpoint (ip:port).")).ToList();
        var client = await ConnectAsync(endpoints, connectionString);
        var http = new HttpClient { BaseAddress = url };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        // Orleans clients may not call the management grain (only the runtime surface), so count the silos from
        // what the client was given: the membership table, or the gateways named on the command line.
        var silos = connectionString is null ? endpoints.Count : await CountActiveSilosAsync(connectionString);
        return new LoadTarget([], client, [url], token, new HttpOperator(http), null, silos);
    }

    public async ValueTask DisposeAsync()
    {
        await _clientHost.StopAsync();
        _clientHost.Dispose();
        foreach (var silo in Enumerable.Reverse(_silos))
        {
            await silo.StopAsync();
            await silo.DisposeAsync();
        }

        if (_dataDir is not null && Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static async Task<IHost> ConnectAsync(IReadOnlyList<IPEndPoint> gateways, string? connectionString = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleansClient(client =>
        {
            if (connectionString is not null)
            {
                client.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", connectionString));
            }
            else
            {
                client.UseStaticClustering([.. gateways]);
            }

            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(30));
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = ("mesh", "mesh"));
        });
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    private static async Task<int> CountActiveSilosAsync(string connectionString)
    {
        const int active = 3; // Orleans' SiloStatus.Active
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from orleans_membership where deployment_id = 'mesh' and status = @active", connection);
        command.Parameters.AddWithValue("active", active);
        return Convert.ToInt32(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        foreach (var listener in listeners)
        {
            listener.Start();
        }

        var ports = listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port).ToArray();
        foreach (var listener in listeners)
        {
            listener.Stop();
        }

        return ports;
    }
}
