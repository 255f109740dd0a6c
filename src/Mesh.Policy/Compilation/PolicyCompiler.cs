using System.Collections.Immutable;
using Mesh.Policy.Matching;
using Mesh.Policy.Model;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Mesh.Policy.Compilation;

/// <summary>
/// Parses, validates and compiles a policy document (<c>apiVersion: mesh/v1</c>, <c>kind: Policy</c>).
/// Validation collects every error before failing, so an author fixes them in one pass.
/// </summary>
public static class PolicyCompiler
{
    /// <summary>The only supported API version.</summary>
    public const string ApiVersion = "mesh/v1";

    /// <summary>Longest accepted document, in characters.</summary>
    public const int MaxDocumentLength = 1_048_576;

    /// <summary>Most rules a document may hold.</summary>
    public const int MaxRules = 10_000;

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    /// <summary>Compiles a document or throws <see cref="PolicyValidationException"/> with every error.</summary>
    public static CompiledPolicy Compile(string document, long version)
    {
        var result = TryCompile(document, version);
        return result.Policy ?? throw new PolicyValidationException(result.Errors);
    }

    /// <summary>Compiles a document, returning the policy or the list of errors.</summary>
    public static PolicyCompilation TryCompile(string? document, long version)
    {
        var errors = new List<PolicyError>();
        if (string.IsNullOrWhiteSpace(document))
        {
            return Fail(errors, 0, 0, null, "the document is empty");
        }

        if (document.Length > MaxDocumentLength)
        {
            return Fail(errors, 0, 0, null, $"the document is {document.Length} characters long; the limit is {MaxDocumentLength}");
        }

        PolicyDocumentModel? model;
        try
        {
            model = Deserializer.Deserialize<PolicyDocumentModel>(document);
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException?.Message ?? ex.Message;
            return Fail(errors, (int)ex.Start.Line, (int)ex.Start.Column, null, message);
        }

        if (model is null)
        {
            return Fail(errors, 0, 0, null, "the document is empty");
        }

        if (model.ApiVersion != ApiVersion)
        {
            errors.Add(new PolicyError(0, 0, null, $"apiVersion must be '{ApiVersion}' (found '{model.ApiVersion ?? "nothing"}')"));
        }

        if (model.Kind != "Policy")
        {
            errors.Add(new PolicyError(0, 0, null, $"kind must be 'Policy' (found '{model.Kind ?? "nothing"}')"));
        }

        var rules = model.Rules ?? [];
        if (rules.Count > MaxRules)
        {
            return Fail(errors, 0, 0, null, $"the document has {rules.Count} rules; the limit is {MaxRules}");
        }

        var compiled = new List<CompiledRule>(rules.Count);
        var seenIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var rule = CompileRule(rules[i], i, errors, seenIds);
            if (rule is not null)
            {
                compiled.Add(rule);
            }
        }

        return errors.Count > 0
            ? new PolicyCompilation(null, errors)
            : new PolicyCompilation(new CompiledPolicy(version, compiled), errors);
    }

    private static PolicyCompilation Fail(List<PolicyError> errors, int line, int column, string? ruleId, string message)
    {
        errors.Add(new PolicyError(line, column, ruleId, message));
        return new PolicyCompilation(null, errors);
    }

    private static CompiledRule? CompileRule(RuleModel? model, int index, List<PolicyError> errors, HashSet<string> seenIds)
    {
        var before = errors.Count;
        if (model is null)
        {
            errors.Add(new PolicyError(0, 0, null, $"rule #{index + 1} is empty"));
            return null;
        }

        var id = model.Id;
        void Error(string message) => errors.Add(new PolicyError(0, 0, id ?? $"#{index + 1}", message));

        if (string.IsNullOrWhiteSpace(id))
        {
            Error("every rule needs an id");
        }
        else if (!seenIds.Add(id))
        {
            Error($"the id '{id}' is used by an earlier rule; ids must be unique");
        }

        var effect = model.Effect switch
        {
            "allow" => RuleEffect.Allow,
            "deny" => RuleEffect.Deny,
            "require_approval" => RuleEffect.RequireApproval,
            _ => RuleEffect.None,
        };
        if (effect == RuleEffect.None)
        {
            Error($"effect must be allow, deny or require_approval (found '{model.Effect ?? "nothing"}')");
        }

        RuleRateLimit? limit = null;
        if (model.Limits is { } limits)
        {
            if (effect != RuleEffect.Allow)
            {
                Error("limits apply only to allow rules");
            }

            if (limits.Rate <= 0 || limits.Rate > 1_000_000)
            {
                Error("limits.rate must be between 1 and 1000000");
            }

            if (!Durations.TryParse(limits.Per ?? "1s", out var per))
            {
                Error($"limits.per '{limits.Per}' is not a duration such as 1s, 5m or 1h");
            }

            if (limits.Burst < 0)
            {
                Error("limits.burst must not be negative");
            }

            limit = new RuleRateLimit(limits.Rate, per, limits.Burst);
        }

        RuleApproval? approval = null;
        if (effect == RuleEffect.RequireApproval)
        {
            approval = CompileApproval(model.Approval, Error);
        }
        else if (model.Approval is not null)
        {
            Error("approval applies only to require_approval rules");
        }

        var match = model.Match ?? new MatchModel();
        CheckPatterns(match.Tools, "match.tools", Error);
        CheckPatterns(match.Operations, "match.operations", Error);
        CheckPatterns(match.Targets, "match.targets", Error);
        CheckPatterns(match.Workflows, "match.workflows", Error);
        CheckPatterns(match.Roles, "match.roles", Error);
        CheckPatterns(match.Labels, "match.labels", Error);

        if (errors.Count > before)
        {
            return null;
        }

        return new CompiledRule(index, id!, effect)
        {
            Tools = GlobSet.Compile(match.Tools),
            Operations = GlobSet.Compile(match.Operations),
            Targets = GlobSet.Compile(match.Targets),
            Workflows = GlobSet.Compile(match.Workflows),
            Roles = (match.Roles ?? []).ToImmutableArray(),
            Labels = (match.Labels ?? []).ToImmutableArray(),
            RateLimit = limit,
            Approval = approval,
        };
    }

    private static RuleApproval? CompileApproval(ApprovalModel? model, Action<string> error)
    {
        if (model is null)
        {
            error("a require_approval rule needs an approval section with at least one group");
            return null;
        }

        var groups = (model.Groups ?? []).Where(g => !string.IsNullOrWhiteSpace(g)).ToImmutableArray();
        if (groups.Length == 0)
        {
            error("approval.groups must name at least one approver group");
        }

        if (model.Quorum < 1 || model.Quorum > 100)
        {
            error("approval.quorum must be between 1 and 100");
        }

        var expires = TimeSpan.FromHours(1);
        if (model.ExpiresAfter is not null && !Durations.TryParse(model.ExpiresAfter, out expires))
        {
            error($"approval.expires_after '{model.ExpiresAfter}' is not a duration such as 30m or 24h");
        }

        TimeSpan? escalateAfter = null;
        if (model.EscalateAfter is not null)
        {
            if (Durations.TryParse(model.EscalateAfter, out var delay))
            {
                escalateAfter = delay;
            }
            else
            {
                error($"approval.escalate_after '{model.EscalateAfter}' is not a duration such as 15m");
            }
        }

        var escalation = (model.EscalateTo ?? []).Where(g => !string.IsNullOrWhiteSpace(g)).ToImmutableArray();
        if (escalateAfter is not null && escalation.Length == 0)
        {
            error("approval.escalate_after needs approval.escalate_to");
        }

        if (escalation.Length > 0 && escalateAfter is null)
        {
            error("approval.escalate_to needs approval.escalate_after");
        }

        if (escalateAfter is { } after && after >= expires)
        {
            error("approval.escalate_after must be shorter than approval.expires_after");
        }

        return new RuleApproval(groups, model.Quorum, expires, escalation, escalateAfter);
    }

    private static void CheckPatterns(List<string>? patterns, string field, Action<string> error)
    {
        if (patterns is null)
        {
            return;
        }

        if (patterns.Count > 1_000)
        {
            error($"{field} has {patterns.Count} entries; the limit is 1000");
        }

        foreach (var pattern in patterns)
        {
            if (string.IsNullOrWhiteSpace(pattern))
            {
                error($"{field} contains an empty entry");
            }
            else if (pattern.Length > 1_024)
            {
                error($"{field} has an entry longer than 1024 characters");
            }
        }
    }
}

/// <summary>The result of compiling: a policy, or the errors.</summary>
/// <param name="Policy">The compiled policy, or null when there were errors.</param>
/// <param name="Errors">Every error found.</param>
public sealed record PolicyCompilation(CompiledPolicy? Policy, IReadOnlyList<PolicyError> Errors);
