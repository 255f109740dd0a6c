using BenchmarkDotNet.Attributes;
using Mesh.Policy.Targets;

namespace Mesh.Benchmarks;

/// <summary>What reading a target into its canonical form costs per decision, for common and for awkward targets.</summary>
[MemoryDiagnoser]
public class TargetCanonicalizerBenchmarks
{
    [Benchmark(Baseline = true)]
    public CanonicalTarget Repository_id() => TargetCanonicalizer.Canonicalize("github.com/acme/app", networkTool: false);

    [Benchmark]
    public CanonicalTarget File_path() => TargetCanonicalizer.Canonicalize("/home/agent/project/src/Program.cs", networkTool: false);

    [Benchmark]
    public CanonicalTarget Canonical_url() => TargetCanonicalizer.Canonicalize("https://api.example.com/v1/items?page=2", networkTool: true);

    [Benchmark]
    public CanonicalTarget Url_needing_work() => TargetCanonicalizer.Canonicalize("HTTPS://User@API.Example.com:443/v1/./x/../items/%7Eme", networkTool: true);

    [Benchmark]
    public CanonicalTarget Obfuscated_address() => TargetCanonicalizer.Canonicalize("http://0xA9FEA9FE/latest/meta-data/", networkTool: true);

    [Benchmark]
    public CanonicalTarget Ambiguous_backslash() => TargetCanonicalizer.Canonicalize(@"http://10.20.0.1\@10.99.0.1/", networkTool: true);
}
