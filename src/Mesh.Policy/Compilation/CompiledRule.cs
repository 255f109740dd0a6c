using System.Collections.Immutable;
using Mesh.Policy.Destinations;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Expressions;
using Mesh.Policy.Matching;
using Mesh.Policy.Model;

namespace Mesh.Policy.Compilation;

/// <summary>A validated rule with its matchers and conditions compiled.</summary>
public sealed class CompiledRule
{
    internal CompiledRule(int index, string id, RuleEffect effect, int line)
    {
        Index = index;
        Id = id;
        Effect = effect;
        Line = line;
    }

    /// <summary>Position in the document; among rules of equal effect the earlier one is reported.</summary>
    public int Index { get; }

    /// <summary>The rule id.</summary>
    public string Id { get; }

    /// <summary>The effect.</summary>
    public RuleEffect Effect { get; }

    /// <summary>Line of the rule in its document.</summary>
    public int Line { get; }

    /// <summary>What people should know about the rule.</summary>
    public string? Description { get; internal init; }

    /// <summary>Tool globs.</summary>
    public GlobSet Tools { get; internal init; } = GlobSet.Any;

    /// <summary>Operation globs.</summary>
    public GlobSet Operations { get; internal init; } = GlobSet.Any;

    /// <summary>Target globs.</summary>
    public GlobSet Targets { get; internal init; } = GlobSet.Any;

    /// <summary>Workflow globs.</summary>
    public GlobSet Workflows { get; internal init; } = GlobSet.Any;

    /// <summary>Roles; the agent must hold one (empty: any agent).</summary>
    public ImmutableArray<string> Roles { get; internal init; } = [];

    /// <summary>Data labels; the request must carry one (empty: any request).</summary>
    public ImmutableArray<string> Labels { get; internal init; } = [];

    /// <summary>True when the rule has a <c>when</c> or <c>unless</c> condition, a <c>valid_until</c> or required evidence.</summary>
    public bool IsConditional => When is not null || Unless is not null || ValidUntil is not null || !Evidence.IsEmpty;

    /// <summary>The instant after which the rule no longer applies (time-limited grants).</summary>
    public DateTimeOffset? ValidUntil { get; internal init; }

    /// <summary>For allow rules: evidence keys the request must carry.</summary>
    public ImmutableArray<string> Evidence { get; internal init; } = [];

    /// <summary>For allow rules: rate limits on what the rule allows.</summary>
    public RuleLimits Limits { get; internal init; } = RuleLimits.None;

    /// <summary>For require-approval rules: who approves.</summary>
    public RuleApproval? Approval { get; internal init; }

    /// <summary>Built-in destination categories this rule deliberately opens (e.g. a rule for the internal network).</summary>
    public DestinationCategory OpenDestinations { get; internal init; }

    internal Evaluator? When { get; init; }

    internal Evaluator? Unless { get; init; }

    /// <summary>Canonical text of the match, for finding rules that shadow each other.</summary>
    internal string MatchKey { get; init; } = string.Empty;

    /// <summary>
    /// Whether the rule's conditions apply. A condition that reads a missing attribute is undecided, and an undecided
    /// rule counts against the action: allow rules do not apply, deny and require-approval rules do.
    /// </summary>
    internal bool ConditionsApply(in PolicyInput input)
    {
        if (ValidUntil is { } until && input.Now >= until)
        {
            return false;
        }

        var result = Value.True;
        if (When is { } when)
        {
            result = when(input);
        }

        if (Unless is { } unless && !(!result.IsUndefined && !result.AsBool))
        {
            result = Value.And(result, Value.Not(unless(input)));
        }

        return result.IsUndefined ? Effect != RuleEffect.Allow : result.AsBool;
    }

    internal bool HasEvidence(in PolicyInput input)
    {
        if (Evidence.IsEmpty)
        {
            return true;
        }

        foreach (var key in Evidence)
        {
            if (input.Evidence is null || !input.Evidence.TryGetValue(key, out var value) || string.IsNullOrEmpty(value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The evidence keys the request lacks.</summary>
    public ImmutableArray<string> MissingEvidence(ImmutableDictionary<string, string>? presented) =>
        [.. Evidence.Where(k => presented is null || !presented.TryGetValue(k, out var v) || string.IsNullOrEmpty(v))];
}
