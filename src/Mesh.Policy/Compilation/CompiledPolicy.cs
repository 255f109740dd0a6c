using System.Collections.Frozen;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Expressions;
using Mesh.Policy.Model;

namespace Mesh.Policy.Compilation;

/// <summary>
/// A compiled, immutable policy. Rules are indexed by literal tool name, so a request only looks at the rules for its
/// tool plus the rules whose tool pattern is a glob; a rule that cannot match costs nothing.
/// </summary>
public sealed class CompiledPolicy
{
    private static readonly FrozenSet<string> DefaultNetworkTools = new[] { "http", "https", "fetch", "browser", "curl", "wget", "web", "webhook", "net" }.ToFrozenSet(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, CompiledRule[]> _byTool;
    private readonly CompiledRule[] _anyTool;
    private readonly FrozenSet<string> _networkTools;

    internal CompiledPolicy(long version, IReadOnlyList<CompiledRule> rules, LabelOrder labels, IEnumerable<string>? networkTools, AuditPolicy? audit = null)
    {
        Version = version;
        Audit = audit ?? AuditPolicy.Default;
        Rules = rules;
        Labels = labels;
        _networkTools = networkTools?.ToFrozenSet(StringComparer.Ordinal) ?? DefaultNetworkTools;
        var literal = new Dictionary<string, List<CompiledRule>>(StringComparer.Ordinal);
        var wildcard = new List<CompiledRule>();
        foreach (var rule in rules)
        {
            var tools = rule.Tools.Patterns.ToArray();
            if (rule.Tools.IsAny || tools.Any(t => t.Contains('*', StringComparison.Ordinal) || t.Contains('?', StringComparison.Ordinal)))
            {
                wildcard.Add(rule);
                continue;
            }

            foreach (var tool in tools)
            {
                if (!literal.TryGetValue(tool, out var list))
                {
                    literal[tool] = list = [];
                }

                list.Add(rule);
            }
        }

        _byTool = literal.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        _anyTool = [.. wildcard];
    }

    /// <summary>The version this policy was published as.</summary>
    public long Version { get; }

    /// <summary>The rules in document order.</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>The order of data labels.</summary>
    public LabelOrder Labels { get; }

    /// <summary>What the audit trail keeps of each request decided under this policy.</summary>
    public AuditPolicy Audit { get; }

    /// <summary>An empty policy: everything is denied by default.</summary>
    public static CompiledPolicy Empty(long version) => new(version, [], LabelOrder.Default, null);

    /// <summary>Whether a bare host name target of this tool is a network destination (the destination guard checks it).</summary>
    public bool IsNetworkTool(string tool) => _networkTools.Contains(tool);

    /// <summary>
    /// Evaluates the request: deny wins over require-approval, which wins over allow; among rules of the same effect the
    /// earliest in the document is reported. <see cref="RuleEffect.None"/> means no rule applied.
    /// </summary>
    public PolicyVerdict Evaluate(in PolicyInput input)
    {
        CompiledRule? best = null;
        CompiledRule? evidence = null;
        if (_byTool.TryGetValue(input.Tool, out var rules) && Scan(rules, input, ref best, ref evidence))
        {
            return new PolicyVerdict(RuleEffect.Deny, best);
        }

        Scan(_anyTool, input, ref best, ref evidence);
        return best is null ? new PolicyVerdict(RuleEffect.None, null, evidence) : new PolicyVerdict(best.Effect, best);
    }

    // Returns true as soon as a deny applies: nothing can override it.
    private static bool Scan(CompiledRule[] rules, in PolicyInput input, ref CompiledRule? best, ref CompiledRule? evidence)
    {
        foreach (var rule in rules)
        {
            if (best is not null && (rule.Effect < best.Effect || (rule.Effect == best.Effect && rule.Index > best.Index)))
            {
                continue;
            }

            if (!Matches(rule, input) || !rule.ConditionsApply(input))
            {
                continue;
            }

            if (!rule.HasEvidence(input))
            {
                if (evidence is null || rule.Index < evidence.Index)
                {
                    evidence = rule;
                }

                continue;
            }

            best = rule;
            if (rule.Effect == RuleEffect.Deny)
            {
                return true;
            }
        }

        return false;
    }

    private static bool Matches(CompiledRule rule, in PolicyInput input) =>
        rule.Tools.IsMatch(input.Tool)
        && rule.Operations.IsMatch(input.Operation)
        && rule.Targets.IsMatch(input.Target)
        && rule.Workflows.IsMatch(input.Workflow)
        && ContainsAny(rule.Roles, input.Roles)
        && ContainsAny(rule.Labels, input.Labels);

    private static bool ContainsAny(System.Collections.Immutable.ImmutableArray<string> required, System.Collections.Immutable.ImmutableArray<string> present)
    {
        if (required.IsEmpty)
        {
            return true;
        }

        if (present.IsDefault)
        {
            return false;
        }

        foreach (var need in required)
        {
            foreach (var value in present)
            {
                if (string.Equals(need, value, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
