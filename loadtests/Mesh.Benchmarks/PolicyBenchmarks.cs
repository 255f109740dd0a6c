using BenchmarkDotNet.Attributes;
using Mesh.Policy.Compilation;
using Mesh.Policy.Evaluation;

namespace Mesh.Benchmarks;

/// <summary>Evaluation of one request against policies of 10, 100 and 1,000 rules, and compile time.</summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private CompiledPolicy _policy = null!;
    private string _document = null!;
    private PolicyInput _allowed;
    private PolicyInput _conditional;
    private PolicyInput _unmatched;

    [Params(10, 100, 1000)]
    public int Rules { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _document = PolicyCorpus.Build(Rules);
        _policy = PolicyCompiler.Compile(_document, 1);
        var now = new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero);
        _allowed = new PolicyInput { Tool = "git", Operation = "pull", Target = "github.com/acme/app", Roles = ["coder"], Labels = [], Now = now };
        _conditional = new PolicyInput { Tool = "git", Operation = "push", Target = "github.com/acme/app", Workflow = "release", Roles = ["release"], Labels = ["internal"], Now = now };
        _unmatched = new PolicyInput { Tool = "unknown-tool", Operation = "x", Target = "y", Roles = ["coder"], Labels = [], Now = now };
    }

    [Benchmark(Baseline = true)]
    public PolicyVerdict Evaluate_allowed() => _policy.Evaluate(_allowed);

    [Benchmark]
    public PolicyVerdict Evaluate_with_conditions() => _policy.Evaluate(_conditional);

    [Benchmark]
    public PolicyVerdict Evaluate_no_rule_for_tool() => _policy.Evaluate(_unmatched);

    [Benchmark]
    public CompiledPolicy Compile() => PolicyCompiler.Compile(_document, 1);
}
