using System.Collections.Immutable;
using System.Globalization;
using Mesh.Policy.Destinations;
using Mesh.Policy.Expressions;
using Mesh.Policy.Identities;
using Mesh.Policy.Matching;
using Mesh.Policy.Model;
using Mesh.Policy.Parsing;
using Mesh.Policy.Targets;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Compilation;

/// <summary>
/// Parses, validates and compiles a policy document (<c>apiVersion: mesh/v1</c>, <c>kind: Policy</c>). Validation
/// collects every error, each with its line and column, before failing, so an author fixes them in one pass.
/// </summary>
public static class PolicyCompiler
{
    /// <summary>The only supported API version.</summary>
    public const string ApiVersion = "mesh/v1";

    /// <summary>Longest accepted document, in characters.</summary>
    public const int MaxDocumentLength = YamlLimits.MaxDocumentLength;

    /// <summary>Most rules a document may hold.</summary>
    public const int MaxRules = 10_000;

    /// <summary>The most patterns one match list (tools, operations, targets, workflows) may hold.</summary>
    public const int MaxPatternsPerList = 256;

    /// <summary>The most match patterns a policy may hold in all, after YAML aliases are expanded.</summary>
    public const int MaxGlobPatterns = 10_000;

    /// <summary>The most characters all match patterns of a policy may hold, after YAML aliases are expanded.</summary>
    public const int MaxGlobCharacters = 65_536;

    private static readonly string[] TopKeys = ["apiVersion", "kind", "description", "labels", "approver_groups", "network_tools", "audit", "rules"];
    private static readonly string[] AuditKeys = ["arguments", "secrets"];
    private static readonly string[] RuleKeys = ["id", "description", "effect", "match", "when", "unless", "valid_until", "limits", "evidence", "approval", "open_destinations"];
    private static readonly string[] MatchKeys = ["tools", "operations", "targets", "roles", "workflows", "labels"];
    private static readonly string[] LimitKeys = ["per_agent", "per_agent_tool", "per_credential", "rate", "per", "burst"];
    private static readonly string[] ApprovalKeys = ["groups", "quorum", "separation_of_duties", "expires_after", "escalate_to", "escalate_after"];

    private static readonly Dictionary<string, DestinationCategory> DestinationNames = new(StringComparer.Ordinal)
    {
        ["loopback"] = DestinationCategory.Loopback,
        ["link_local"] = DestinationCategory.LinkLocal,
        ["private"] = DestinationCategory.Private,
        ["unspecified"] = DestinationCategory.Unspecified,
        ["metadata"] = DestinationCategory.Metadata,
        ["shared_address_space"] = DestinationCategory.SharedAddressSpace,
        ["multicast"] = DestinationCategory.Multicast,
        ["broadcast"] = DestinationCategory.Broadcast,
        ["reserved"] = DestinationCategory.Reserved,
        ["local"] = DestinationCategory.Local,
        ["other_schemes"] = DestinationCategory.OtherScheme,
    };

    /// <summary>Compiles a document or throws <see cref="PolicyValidationException"/> with every error.</summary>
    public static CompiledPolicy Compile(string document, long version)
    {
        var result = TryCompile(document, version);
        return result.Policy ?? throw new PolicyValidationException(result.Errors);
    }

    /// <summary>Compiles a document, returning the policy or every error.</summary>
    public static PolicyCompilation TryCompile(string? document, long version)
    {
        var errors = new List<PolicyError>();
        var reader = new YamlReader(errors);
        if (string.IsNullOrWhiteSpace(document))
        {
            reader.Error((YamlNode?)null, "the document is empty");
            return new PolicyCompilation(null, errors);
        }

        if (document.Length > MaxDocumentLength)
        {
            reader.Error((YamlNode?)null, $"the document is {document.Length} characters long; the limit is {MaxDocumentLength}");
            return new PolicyCompilation(null, errors);
        }

        if (reader.Load(document, "a policy file") is not { } root)
        {
            return new PolicyCompilation(null, errors);
        }

        var top = reader.Mapping(root, "the policy", TopKeys);
        var apiVersion = reader.String(top, "apiVersion", "apiVersion");
        if (apiVersion != ApiVersion)
        {
            reader.Error(top.GetValueOrDefault("apiVersion") ?? root, $"apiVersion must be '{ApiVersion}' (found '{apiVersion ?? "nothing"}')");
        }

        var kind = reader.String(top, "kind", "kind");
        if (kind != "Policy")
        {
            reader.Error(top.GetValueOrDefault("kind") ?? root, $"kind must be 'Policy' (found '{kind ?? "nothing"}')");
        }

        var labelList = reader.Strings(top, "labels", "labels");
        var labels = labelList.Count == 0 ? LabelOrder.Default : new LabelOrder([.. labelList.Select(l => l.Value)]);
        foreach (var duplicate in labelList.GroupBy(l => l.Value).Where(g => g.Count() > 1))
        {
            reader.Error(duplicate.Last().Node, $"label '{duplicate.Key}' is listed twice");
        }

        var approverGroups = ReadApproverGroups(reader, top);
        var networkTools = top.ContainsKey("network_tools") ? reader.Strings(top, "network_tools", "network_tools").Select(t => t.Value).ToList() : null;
        var audit = ReadAudit(reader, top);

        var compiled = new List<CompiledRule>();
        if (top.TryGetValue("rules", out var rulesNode))
        {
            if (rulesNode is not YamlSequenceNode sequence)
            {
                reader.Error(rulesNode, "rules must be a list");
            }
            else if (sequence.Children.Count > MaxRules)
            {
                reader.Error(rulesNode, $"the document has {sequence.Children.Count} rules; the limit is {MaxRules}");
            }
            else
            {
                var seen = new Dictionary<string, int>(StringComparer.Ordinal);
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    if (CompileRule(reader, sequence.Children[i], i, labels, approverGroups, seen) is { } rule)
                    {
                        compiled.Add(rule);
                    }
                }

                FindShadowedRules(reader, compiled);
                CheckGlobBudget(reader, rulesNode, compiled);
            }
        }

        return errors.Count > 0
            ? new PolicyCompilation(null, errors)
            : new PolicyCompilation(new CompiledPolicy(version, compiled, labels, networkTools, audit), errors);
    }

    // audit: { arguments: keep | digest, secrets: [names] } - what the audit trail keeps of each request.
    private static AuditPolicy ReadAudit(YamlReader reader, Dictionary<string, YamlNode> top)
    {
        if (!top.TryGetValue("audit", out var node))
        {
            return AuditPolicy.Default;
        }

        var map = reader.Mapping(node, "audit", AuditKeys);
        var arguments = reader.String(map, "arguments", "audit.arguments");
        if (arguments is not (null or "keep" or "digest"))
        {
            reader.Error(map.GetValueOrDefault("arguments") ?? node, $"audit.arguments must be 'keep' or 'digest' (found '{arguments}')");
        }

        var secrets = reader.Strings(map, "secrets", "audit.secrets");
        foreach (var (name, secretNode) in secrets)
        {
            if (name.Length is 0 or > 128)
            {
                reader.Error(secretNode, "each audit.secrets entry must be a field name of 1-128 characters");
            }
        }

        return new AuditPolicy(arguments == "keep", secrets.Select(s => s.Value));
    }

    private static Dictionary<string, HashSet<string>> ReadApproverGroups(YamlReader reader, Dictionary<string, YamlNode> top)
    {
        var groups = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (!top.TryGetValue("approver_groups", out var node))
        {
            return groups;
        }

        if (node is not YamlMappingNode mapping)
        {
            reader.Error(node, "approver_groups must map each group to its members");
            return groups;
        }

        foreach (var (key, members) in mapping.Children)
        {
            var name = (key as YamlScalarNode)?.Value ?? string.Empty;
            var entry = new Dictionary<string, YamlNode>(StringComparer.Ordinal) { [name] = members };

            // Members are approver identities, compared in their canonical reading (ApproverIdentity): the vote of a
            // token named "Alice" counts for the member "alice", and a name no token could canonically hold is an error.
            var identities = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (member, memberNode) in reader.Strings(entry, name, $"approver group '{name}'"))
            {
                if (!ApproverIdentity.TryCanonicalize(member, out var identity, out var problem))
                {
                    reader.Error(memberNode, $"approver group '{name}' member '{member}' is not a usable approver name: {problem}");
                }
                else if (!identities.Add(identity))
                {
                    reader.Error(memberNode, $"approver group '{name}' lists '{member}' twice (names are compared trimmed, NFKC-normalised and lower-cased)");
                }
            }

            groups[name] = identities;
        }

        return groups;
    }

    private static CompiledRule? CompileRule(YamlReader reader, YamlNode node, int index, LabelOrder labels, Dictionary<string, HashSet<string>> approverGroups, Dictionary<string, int> seen)
    {
        reader.RuleId = $"#{index + 1}";
        var before = reader.ErrorCount;
        var map = reader.Mapping(node, $"rule #{index + 1}", RuleKeys);
        var id = reader.String(map, "id", "id");
        if (string.IsNullOrWhiteSpace(id))
        {
            reader.Error(node, "every rule needs an id");
        }
        else
        {
            reader.RuleId = id;
            if (seen.TryGetValue(id, out var earlierLine))
            {
                reader.Error(map["id"], $"the id '{id}' is already used by the rule on line {earlierLine}; ids must be unique");
            }
            else
            {
                seen[id] = (int)node.Start.Line;
            }
        }

        var effectText = reader.String(map, "effect", "effect");
        var effect = effectText switch
        {
            "allow" => RuleEffect.Allow,
            "deny" => RuleEffect.Deny,
            "require_approval" => RuleEffect.RequireApproval,
            _ => RuleEffect.None,
        };
        if (effect == RuleEffect.None)
        {
            reader.Error(map.GetValueOrDefault("effect") ?? node, $"effect must be allow, deny or require_approval (found '{effectText ?? "nothing"}')");
        }

        var match = map.TryGetValue("match", out var matchNode) ? reader.Mapping(matchNode, "match", MatchKeys) : [];
        var tools = Globs(reader, match, "tools");
        var operations = Globs(reader, match, "operations");
        var targets = Globs(reader, match, "targets");
        var workflows = Globs(reader, match, "workflows");
        var roles = reader.Strings(match, "roles", "match.roles").Select(r => r.Value).ToImmutableArray();
        var matchLabels = reader.Strings(match, "labels", "match.labels").Select(l => l.Value).ToImmutableArray();

        var when = Condition(reader, map, "when", labels);
        var unless = Condition(reader, map, "unless", labels);
        DateTimeOffset? validUntil = null;
        if (reader.String(map, "valid_until", "valid_until") is { } untilText)
        {
            if (DateTimeOffset.TryParse(untilText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var until))
            {
                validUntil = until;
            }
            else
            {
                reader.Error(map["valid_until"], $"valid_until '{untilText}' is not a time such as 2026-12-31T18:00:00Z");
            }
        }

        var evidence = reader.Strings(map, "evidence", "evidence").Select(e => e.Value).ToImmutableArray();
        if (!evidence.IsEmpty && effect != RuleEffect.Allow)
        {
            reader.Error(map["evidence"], "evidence applies only to allow rules");
        }

        var limits = RuleLimits.None;
        if (map.TryGetValue("limits", out var limitsNode))
        {
            if (effect != RuleEffect.Allow)
            {
                reader.Error(limitsNode, "limits apply only to allow rules");
            }

            limits = ReadLimits(reader, limitsNode);
        }

        RuleApproval? approval = null;
        if (effect == RuleEffect.RequireApproval)
        {
            approval = ReadApproval(reader, map.GetValueOrDefault("approval"), node, approverGroups);
        }
        else if (map.TryGetValue("approval", out var approvalNode))
        {
            reader.Error(approvalNode, "approval applies only to require_approval rules");
        }

        var open = DestinationCategory.None;
        foreach (var (name, nameNode) in reader.Strings(map, "open_destinations", "open_destinations"))
        {
            if (DestinationNames.TryGetValue(name, out var category))
            {
                open |= category;
            }
            else
            {
                reader.Error(nameNode, $"'{name}' is not a destination category; use {string.Join(", ", DestinationNames.Keys)}");
            }
        }

        if (open != DestinationCategory.None && effect == RuleEffect.Deny)
        {
            reader.Error(map["open_destinations"], "open_destinations applies only to allow and require_approval rules");
        }

        if (reader.ErrorCount > before || id is null)
        {
            return null;
        }

        var rule = new CompiledRule(index, id, effect, (int)node.Start.Line)
        {
            Description = reader.String(map, "description", "description"),
            Tools = tools.Set,
            Operations = operations.Set,
            Targets = targets.Set,
            Workflows = workflows.Set,
            Roles = roles,
            Labels = matchLabels,
            When = when,
            Unless = unless,
            ValidUntil = validUntil,
            Evidence = evidence,
            Limits = limits,
            Approval = approval,
            OpenDestinations = open,
            MatchKey = string.Join("|", tools.Key, operations.Key, targets.Key, workflows.Key, Key(roles), Key(matchLabels), (int)open),
        };
        return rule;
    }

    private static string Key(IEnumerable<string> values) => string.Join(",", values.Order(StringComparer.Ordinal));

    // Glob matching costs time per decision in proportion to the patterns a request is compared with. YAML aliases can
    // repeat a list thousands of times in a small document, so the bound is on the expanded policy.
    private static void CheckGlobBudget(YamlReader reader, YamlNode rulesNode, List<CompiledRule> rules)
    {
        var count = 0;
        var characters = 0L;
        foreach (var rule in rules)
        {
            foreach (var set in (ReadOnlySpan<GlobSet>)[rule.Tools, rule.Operations, rule.Targets, rule.Workflows])
            {
                foreach (var pattern in set.Patterns)
                {
                    count++;
                    characters += pattern.Length;
                }
            }
        }

        if (count > MaxGlobPatterns || characters > MaxGlobCharacters)
        {
            reader.Error(rulesNode, $"the rules hold {count} match patterns of {characters} characters in all (after expanding YAML aliases); the limits are {MaxGlobPatterns} patterns and {MaxGlobCharacters} characters, so that matching stays fast");
        }
    }

    private static (GlobSet Set, string Key) Globs(YamlReader reader, Dictionary<string, YamlNode> match, string key)
    {
        var patterns = reader.Strings(match, key, $"match.{key}");
        if (patterns.Count > MaxPatternsPerList)
        {
            reader.Error(match[key], $"match.{key} has {patterns.Count} patterns; the limit is {MaxPatternsPerList}");
        }

        foreach (var (pattern, node) in patterns)
        {
            if (pattern.Length > 1024)
            {
                reader.Error(node, $"match.{key} has a pattern longer than 1024 characters");
            }
            else if (pattern.Contains("**", StringComparison.Ordinal))
            {
                reader.Error(node, $"'{pattern}' is not a valid glob: '*' already matches any run of characters, '**' is not needed");
            }
        }

        // Targets are matched in their canonical form, so target patterns are written in it too.
        var values = patterns.Select(p => key == "targets" ? TargetPatterns.Canonicalize(p.Value) : p.Value).ToList();
        return (GlobSet.Compile(values), values.Contains("*") ? string.Empty : Key(values));
    }

    private static Evaluator? Condition(YamlReader reader, Dictionary<string, YamlNode> map, string key, LabelOrder labels)
    {
        if (!map.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is not YamlScalarNode { Value: { } source } scalar || string.IsNullOrWhiteSpace(source))
        {
            reader.Error(node, $"{key} must be a condition, e.g. {key}: request.workflow == \"release\"");
            return null;
        }

        try
        {
            return ConditionCompiler.Compile(source, labels);
        }
        catch (ExpressionException ex)
        {
            reader.Error(PositionIn(scalar, source, ex.Position), $"{key}: {ex.Message}");
            return null;
        }
    }

    // Maps an offset inside a condition to the line and column of the YAML file.
    private static Mark PositionIn(YamlScalarNode scalar, string source, int offset)
    {
        offset = Math.Clamp(offset, 0, source.Length);
        var lineBreaks = source.AsSpan(0, offset).Count('\n');
        if (lineBreaks == 0 && scalar.Style is not (ScalarStyle.Literal or ScalarStyle.Folded))
        {
            var quote = scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted ? 1 : 0;
            return new Mark(scalar.Start.Index + offset, scalar.Start.Line, scalar.Start.Column + quote + offset);
        }

        var header = scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded ? 1 : 0;
        var lineStart = source.LastIndexOf('\n', Math.Max(offset - 1, 0)) + 1;
        return new Mark(scalar.Start.Index + offset, scalar.Start.Line + header + lineBreaks, offset - lineStart + 1);
    }

    private static RuleLimits ReadLimits(YamlReader reader, YamlNode node)
    {
        var map = reader.Mapping(node, "limits", LimitKeys);
        if (map.ContainsKey("rate"))
        {
            // The short form: rate/per/burst per agent and tool.
            var rate = reader.Integer(map, "rate", "limits.rate", 1, 1_000_000);
            var per = reader.Duration(map, "per", "limits.per") ?? TimeSpan.FromSeconds(1);
            var burst = reader.Integer(map, "burst", "limits.burst", 0, 1_000_000) ?? 0;
            return new RuleLimits(null, rate is { } r ? new RuleRateLimit(r, per, burst) : null, null);
        }

        return new RuleLimits(Rate(reader, map, "per_agent"), Rate(reader, map, "per_agent_tool"), Rate(reader, map, "per_credential"));
    }

    private static RuleRateLimit? Rate(YamlReader reader, Dictionary<string, YamlNode> map, string key)
    {
        if (reader.String(map, key, $"limits.{key}") is not { } text)
        {
            return null;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var periodText = slash < 0 ? string.Empty : colon > slash ? text[(slash + 1)..colon] : text[(slash + 1)..];
        var burst = 0;
        if (slash > 0 && int.TryParse(text[..slash], CultureInfo.InvariantCulture, out var permits) && permits is > 0 and <= 1_000_000
            && Durations.TryParse(periodText, out var per) && (colon < 0 || (int.TryParse(text[(colon + 1)..], CultureInfo.InvariantCulture, out burst) && burst >= 0)))
        {
            return new RuleRateLimit(permits, per, burst);
        }

        reader.Error(map[key], $"limits.{key} '{text}' must look like permits/period[:burst], e.g. 60/1m or 10/1s:20");
        return null;
    }

    private static RuleApproval? ReadApproval(YamlReader reader, YamlNode? node, YamlNode rule, Dictionary<string, HashSet<string>> approverGroups)
    {
        if (node is null)
        {
            reader.Error(rule, "a require_approval rule needs an approval section with at least one group");
            return null;
        }

        var map = reader.Mapping(node, "approval", ApprovalKeys);
        var groups = reader.Strings(map, "groups", "approval.groups");
        if (groups.Count == 0)
        {
            reader.Error(node, "approval.groups must name at least one approver group");
        }

        var quorum = reader.Integer(map, "quorum", "approval.quorum", 1, 100) ?? 1;
        var separation = reader.Boolean(map, "separation_of_duties", "approval.separation_of_duties") ?? true;
        var expires = reader.Duration(map, "expires_after", "approval.expires_after") ?? TimeSpan.FromHours(1);
        var escalation = reader.Strings(map, "escalate_to", "approval.escalate_to");
        var escalateAfter = reader.Duration(map, "escalate_after", "approval.escalate_after");
        if (escalateAfter is not null && escalation.Count == 0)
        {
            reader.Error(map["escalate_after"], "approval.escalate_after needs approval.escalate_to");
        }

        if (escalation.Count > 0 && escalateAfter is null)
        {
            reader.Error(map["escalate_to"], "approval.escalate_to needs approval.escalate_after");
        }

        if (escalateAfter is { } after && after >= expires)
        {
            reader.Error(map["escalate_after"], "approval.escalate_after must be shorter than approval.expires_after");
        }

        // When every group is declared in approver_groups, check the quorum can be reached at all.
        var allGroups = groups.Concat(escalation).Select(g => g.Value).ToList();
        if (allGroups.Count > 0 && allGroups.All(approverGroups.ContainsKey))
        {
            var reach = allGroups.SelectMany(g => approverGroups[g]).Distinct(StringComparer.Ordinal).Count();
            if (quorum > reach)
            {
                reader.Error(map.GetValueOrDefault("quorum") ?? node, $"approval.quorum {quorum} can never be reached: groups {string.Join(", ", allGroups)} have {reach} distinct approver(s)");
            }
        }

        // The declared members of the groups this rule names travel with the approval: only they may vote for them.
        var members = allGroups.Where(approverGroups.ContainsKey).Distinct(StringComparer.Ordinal)
            .ToDictionary(g => g, g => (IReadOnlyList<string>)[.. approverGroups[g].Order(StringComparer.Ordinal)], StringComparer.Ordinal);
        return new RuleApproval([.. groups.Select(g => g.Value)], quorum, expires, [.. escalation.Select(g => g.Value)], escalateAfter, separation, members);
    }

    // A rule can never decide when an earlier unconditional rule with the same match has an effect at least as strong,
    // or any unconditional rule with the same match has a stronger one (deny overrides). Grouping by match keeps this
    // linear in the number of rules.
    private static void FindShadowedRules(YamlReader reader, List<CompiledRule> rules)
    {
        foreach (var group in rules.GroupBy(r => r.MatchKey, StringComparer.Ordinal))
        {
            var winner = group.Where(r => !r.IsConditional).OrderByDescending(r => r.Effect).ThenBy(r => r.Index).FirstOrDefault();
            if (winner is null)
            {
                continue;
            }

            foreach (var rule in group)
            {
                if (rule == winner || (rule.Effect == winner.Effect && rule.Index < winner.Index) || rule.Effect > winner.Effect)
                {
                    continue;
                }

                reader.RuleId = rule.Id;
                var why = winner.Effect > rule.Effect ? $"its {winner.Effect.ToString().ToLowerInvariant()} wins" : "it comes first";
                reader.Error(new Mark(0, rule.Line, 1), $"this rule can never decide: rule '{winner.Id}' (line {winner.Line}) has the same match, no conditions, and {why}");
            }
        }
    }
}
