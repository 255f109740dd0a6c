using Mesh.Policy.Evaluation;
using Mesh.Policy.Model;

namespace Mesh.Policy.Compilation;

/// <summary>
/// A compiled, immutable policy. Rules are indexed by literal tool name, so a request only looks at the rules
/// for its tool plus the rules whose tool pattern is a glob; a rule that cannot match costs nothing.
/// </summary>
public sealed class CompiledPolicy
{
    private readonly Dictionary<string, CompiledRule[]> _byTool;
    private readonly CompiledRule[] _anyTool;

    internal CompiledPolicy(long version, IReadOnlyList<CompiledRule> rules)
    {
        Version = version;
        Rules = rules;
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

        _byTool = literal.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        _anyTool = [.. wildcard];
    }

    /// <summary>The version this policy was published as.</summary>
    public long Version { get; }

    /// <summary>The rules in document order.</summary>
    public IReadOnlyList<CompiledRule> Rules { get; }

    /// <summary>An empty policy: everything is denied by default.</summary>
    public static CompiledPolicy Empty(long version) => new(version, []);

    /// <summary>
    /// Evaluates the request: deny wins over require-approval, which wins over allow; among rules of the same effect the
    /// earliest in the document is reported. <see cref="RuleEffect.None"/> means no rule matched.
    /// </summary>
    public PolicyVerdict Evaluate(in PolicyInput input)
    {
        CompiledRule? best = null;
        if (_byTool.TryGetValue(input.Tool, out var rules) && Scan(rules, input, ref best))
        {
            return new PolicyVerdict(RuleEffect.Deny, best);
        }

        Scan(_anyTool, input, ref best);
        return best is null ? default : new PolicyVerdict(best.Effect, best);
    }

    // Returns true as soon as a deny matches: nothing can override it.
    private static bool Scan(CompiledRule[] rules, in PolicyInput input, ref CompiledRule? best)
    {
        foreach (var rule in rules)
        {
            if (best is not null && (rule.Effect < best.Effect || (rule.Effect == best.Effect && rule.Index > best.Index)))
            {
                continue;
            }

            if (!Matches(rule, input))
            {
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

    private static bool ContainsAny(IReadOnlyList<string> required, System.Collections.Immutable.ImmutableArray<string> present)
    {
        if (required.Count == 0)
        {
            return true;
        }

        for (var i = 0; i < required.Count; i++)
        {
            foreach (var value in present)
            {
                if (string.Equals(required[i], value, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
