using System.Collections.Immutable;
using System.Globalization;
using Mesh.Policy.Compilation;
using Mesh.Policy.Destinations;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Model;
using Mesh.Policy.Parsing;
using Mesh.Policy.Targets;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Policy.Testing;

/// <summary>
/// Runs test cases against a policy, like <c>opa test</c>: each case is a request with the expected effect (and
/// optionally reason and rule). The destination guard runs offline: literal addresses and known names are checked,
/// host names are not resolved.
/// </summary>
public static class PolicyTestRunner
{
    private static readonly string[] CaseKeys = ["name", "request", "expect"];
    private static readonly string[] RequestKeys = ["tool", "operation", "target", "roles", "labels", "workflow", "session", "attributes", "evidence", "session_labels", "session_actions", "agent", "parent", "owner", "credential", "time"];
    private static readonly string[] ExpectKeys = ["effect", "reason", "rule"];
    private static readonly DateTimeOffset DefaultTime = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Parses a cases file (<c>cases:</c> list), reporting every error with its line and column.</summary>
    public static (IReadOnlyList<PolicyTestCase> Cases, IReadOnlyList<PolicyError> Errors) ParseCases(string text)
    {
        var errors = new List<PolicyError>();
        var reader = new YamlReader(errors);
        var cases = new List<PolicyTestCase>();
        if (reader.Load(text, "a cases file") is not { } root)
        {
            return (cases, errors);
        }

        var top = reader.Mapping(root, "the cases file", ["cases"]);
        if (top.GetValueOrDefault("cases") is not YamlSequenceNode list)
        {
            reader.Error(root, "the cases file needs a 'cases' list");
            return (cases, errors);
        }

        foreach (var node in list.Children)
        {
            var map = reader.Mapping(node, "a case", CaseKeys);
            var name = reader.String(map, "name", "name") ?? $"case on line {node.Start.Line}";
            reader.RuleId = null;
            var request = reader.Mapping(map.GetValueOrDefault("request") ?? node, $"request of '{name}'", RequestKeys);
            var expect = reader.Mapping(map.GetValueOrDefault("expect") ?? node, $"expect of '{name}'", ExpectKeys);
            var effect = reader.String(expect, "effect", "expect.effect");
            if (effect is not ("allow" or "deny" or "require_approval"))
            {
                reader.Error(map.GetValueOrDefault("expect") ?? node, $"'{name}': expect.effect must be allow, deny or require_approval");
                continue;
            }

            var tool = reader.String(request, "tool", "request.tool");
            var operation = reader.String(request, "operation", "request.operation");
            if (tool is null || operation is null)
            {
                reader.Error(map.GetValueOrDefault("request") ?? node, $"'{name}': a request needs a tool and an operation");
                continue;
            }

            var time = DefaultTime;
            if (reader.String(request, "time", "request.time") is { } timeText && !DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
            {
                reader.Error(request["time"], $"'{timeText}' is not a time such as 2026-01-05T12:00:00Z");
            }

            var input = new PolicyInput
            {
                Tool = tool,
                Operation = operation,
                Target = reader.String(request, "target", "request.target"),
                Workflow = reader.String(request, "workflow", "request.workflow"),
                SessionId = reader.String(request, "session", "request.session") ?? (request.ContainsKey("session_labels") || request.ContainsKey("session_actions") ? "test-session" : null),
                Roles = [.. reader.Strings(request, "roles", "request.roles").Select(x => x.Value)],
                Labels = [.. reader.Strings(request, "labels", "request.labels").Select(x => x.Value)],
                SessionLabels = [.. reader.Strings(request, "session_labels", "request.session_labels").Select(x => x.Value)],
                SessionActions = reader.Integer(request, "session_actions", "request.session_actions", 0, int.MaxValue) ?? 0,
                Attributes = Entries(reader, request, "attributes"),
                Evidence = Entries(reader, request, "evidence"),
                AgentId = reader.String(request, "agent", "request.agent"),
                ParentAgentId = reader.String(request, "parent", "request.parent"),
                Owner = reader.String(request, "owner", "request.owner"),
                CredentialId = reader.String(request, "credential", "request.credential"),
                Now = time,
            };
            cases.Add(new PolicyTestCase(name, (int)node.Start.Line, input, effect, reader.String(expect, "reason", "expect.reason"), reader.String(expect, "rule", "expect.rule")));
        }

        return (cases, errors);
    }

    /// <summary>Runs every case.</summary>
    public static IReadOnlyList<PolicyTestResult> Run(CompiledPolicy policy, IEnumerable<PolicyTestCase> cases) =>
        [.. cases.Select(c => Run(policy, c))];

    /// <summary>Decides one request offline, as the silo would, and names the effect and reason on the wire.</summary>
    public static (string Effect, string Reason, string? Rule) DecideOffline(CompiledPolicy policy, PolicyInput input)
    {
        // The same canonical reading as the silo: an ambiguous target is denied before any rule is looked at.
        var target = TargetCanonicalizer.Canonicalize(input.Target, policy.IsNetworkTool(input.Tool));
        if (target.Problem != TargetProblem.None)
        {
            return ("deny", target.Problem == TargetProblem.Ambiguous ? "target_ambiguous" : "target_malformed", null);
        }

        var blocked = target.SchemeCategories;
        foreach (var candidate in target.Destinations ?? [])
        {
            blocked |= candidate.Address is { } address ? AddressClassifier.Classify(address) : AddressClassifier.ClassifyHostName(candidate.Host);
        }

        input = input with { Target = target.Value, TargetHost = target.Host, TargetIp = target.Address?.ToString(), TargetPort = target.Port, TargetPath = target.Path, TargetScheme = target.Scheme };
        var outcome = PolicyDecider.Decide(policy, input, blocked);
        return (Wire(outcome.Effect), Wire(outcome.Reason), outcome.Rule?.Id);
    }

    /// <summary>The wire name of an effect.</summary>
    public static string Wire(RuleEffect effect) => effect switch
    {
        RuleEffect.Allow => "allow",
        RuleEffect.RequireApproval => "require_approval",
        _ => "deny",
    };

    /// <summary>The wire name of a reason.</summary>
    public static string Wire(PolicyReason reason) => reason switch
    {
        PolicyReason.Default => "default",
        PolicyReason.EvidenceMissing => "evidence_missing",
        PolicyReason.DestinationBlocked => "destination_blocked",
        _ => "policy",
    };

    private static PolicyTestResult Run(CompiledPolicy policy, PolicyTestCase testCase)
    {
        var (effect, reason, rule) = DecideOffline(policy, testCase.Input);
        var passed = effect == testCase.ExpectedEffect
            && (testCase.ExpectedReason is null || testCase.ExpectedReason == reason)
            && (testCase.ExpectedRule is null || testCase.ExpectedRule == rule);
        return new PolicyTestResult(testCase, passed, effect, reason, rule);
    }

    private static ImmutableDictionary<string, string>? Entries(YamlReader reader, Dictionary<string, YamlNode> request, string key)
    {
        if (!request.TryGetValue(key, out var node))
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            reader.Error(node, $"request.{key} must map keys to values");
            return null;
        }

        return mapping.Children.ToImmutableDictionary(
            p => (p.Key as YamlScalarNode)?.Value ?? string.Empty,
            p => (p.Value as YamlScalarNode)?.Value ?? string.Empty,
            StringComparer.Ordinal);
    }
}
