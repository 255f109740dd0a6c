using System.Net;
using BenchmarkDotNet.Attributes;
using Mesh.Policy.Destinations;

namespace Mesh.Benchmarks;

/// <summary>The destination guard on targets that need no DNS, and on a cached name.</summary>
[MemoryDiagnoser]
public class DestinationGuardBenchmarks
{
    private readonly DestinationGuard _guard = new(new FixedResolver(), TimeSpan.FromSeconds(1));

    [Benchmark(Baseline = true)]
    public async Task<GuardResult> Not_a_network_target() => await _guard.CheckAsync("github.com/acme/app", networkTool: false);

    [Benchmark]
    public async Task<GuardResult> Ip_literal_metadata() => await _guard.CheckAsync("http://169.254.169.254/latest/meta-data/", networkTool: true);

    [Benchmark]
    public async Task<GuardResult> Obfuscated_decimal() => await _guard.CheckAsync("http://2852039166/", networkTool: true);

    [Benchmark]
    public async Task<GuardResult> Resolved_name() => await _guard.CheckAsync("https://api.example.com/v1/items", networkTool: true);

    private sealed class FixedResolver : IDestinationResolver
    {
        private static readonly IReadOnlyList<IPAddress> Answer = [IPAddress.Parse("93.184.216.34")];

        public ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken) => ValueTask.FromResult(Answer);
    }
}
