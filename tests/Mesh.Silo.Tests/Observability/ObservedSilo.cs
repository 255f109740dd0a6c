using System.Net.Http.Headers;
using Mesh.Grains.Diagnostics;
using Mesh.Silo.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;

namespace Mesh.Silo.Tests.Observability;

/// <summary>
/// The real silo host (<see cref="MeshSiloHost"/>: HTTP API on loopback, memory storage) with its services open to
/// the test: its own <see cref="MeshMetrics"/>, so a test listens to this silo's meter and no other's.
/// </summary>
internal sealed class ObservedSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private ObservedSilo(WebApplication app, string dataDir, int httpPort)
    {
        _app = app;
        DataDir = dataDir;
        HttpBase = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public string DataDir { get; }

    public Uri HttpBase { get; }

    public IServiceProvider Services => _app.Services;

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    public MeshMetrics Metrics => Services.GetRequiredService<MeshMetrics>();

    public string AdminToken => File.ReadAllText(Path.Combine(DataDir, "admin.token")).Trim();

    public static async Task<ObservedSilo> StartAsync(Action<ISiloBuilder>? silo = null, params string[] extraArgs)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-obs-" + Guid.NewGuid().ToString("N"));
        var ports = FreePorts.Take(3);
        var app = MeshSiloHost.Build(
            ["--data-dir", dataDir, "--storage", "memory", "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-url", $"http://127.0.0.1:{ports[2]}", .. extraArgs],
            silo);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new ObservedSilo(app, dataDir, ports[2]);
    }

    public HttpClient Http(string? token = null)
    {
        var client = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
