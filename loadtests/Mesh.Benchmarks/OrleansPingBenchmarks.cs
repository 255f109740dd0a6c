using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Benchmarks;

/// <summary>A grain that does nothing: its call cost is the floor every decision is measured against.</summary>
public interface IPingGrain : IGrainWithStringKey
{
    Task<int> Ping(int value);
}

// Its own grain type name: Mesh's grains have a PingGrain too, and both can be loaded in one process (the tests).
[GrainType("benchmark-ping")]
public sealed class PingGrain : Grain, IPingGrain
{
    public Task<int> Ping(int value) => Task.FromResult(value);
}

/// <summary>
/// The raw Orleans baseline measured in the same run as the policy benchmarks: one no-op grain call on a local
/// silo (through the silo's own grain factory, so no network), on the same machine and runtime.
/// </summary>
[MemoryDiagnoser]
public class OrleansPingBenchmarks
{
    private IHost _host = null!;
    private IPingGrain _grain = null!;

    [GlobalSetup]
    public void Setup()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Free ports, not fixed ones: the benchmark runs beside a local mesh (11111/30000) or another benchmark process.
        var ports = LoopbackPorts.Take(2);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort: ports[0], gatewayPort: ports[1]));
        _host = builder.Build();
        _host.StartAsync().GetAwaiter().GetResult();
        _grain = _host.Services.GetRequiredService<IGrainFactory>().GetGrain<IPingGrain>("bench/ping");
        _grain.Ping(0).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _host.StopAsync().GetAwaiter().GetResult();
        _host.Dispose();
    }

    /// <summary>The ports the running silo listens on (silo to silo, gateway).</summary>
    internal (int Silo, int Gateway) Ports
    {
        get
        {
            var silo = _host.Services.GetRequiredService<ILocalSiloDetails>();
            return (silo.SiloAddress.Endpoint.Port, silo.GatewayAddress?.Endpoint.Port ?? 0);
        }
    }

    [Benchmark]
    public Task<int> Orleans_ping() => _grain.Ping(1);
}
