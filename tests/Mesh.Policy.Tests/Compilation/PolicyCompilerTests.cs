using System.Collections.Immutable;
using Mesh.Policy.Compilation;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Model;

namespace Mesh.Policy.Tests.Compilation;

public sealed class PolicyCompilerTests
{
    private const string Header = "apiVersion: mesh/v1\nkind: Policy\nrules:\n";

    private static PolicyVerdict Evaluate(CompiledPolicy policy, string tool, string operation = "op", string? target = null, string[]? roles = null, string[]? labels = null, string? workflow = null) =>
        policy.Evaluate(new PolicyInput { Tool = tool, Operation = operation, Target = target, Workflow = workflow, Roles = roles is null ? [] : [.. roles], Labels = labels is null ? [] : [.. labels] });

    [Fact]
    public void Deny_overrides_require_approval_overrides_allow_and_no_match_is_none()
    {
        var policy = PolicyCompiler.Compile(Header + """
              - id: allow-http
                effect: allow
                match: { tools: [http] }
              - id: ask-external
                effect: require_approval
                match: { tools: ["*"], targets: ["https://*"] }
                approval: { groups: [sec] }
              - id: deny-metadata
                effect: deny
                match: { targets: ["http://169.254.169.254/*"] }
            """, 7);

        Assert.Equal(7, policy.Version);
        Assert.Equal(RuleEffect.Allow, Evaluate(policy, "http", target: "http://intranet/").Effect);
        Assert.Equal(("ask-external", RuleEffect.RequireApproval), (Evaluate(policy, "http", target: "https://x").Rule!.Id, Evaluate(policy, "http", target: "https://x").Effect));
        Assert.Equal("deny-metadata", Evaluate(policy, "http", target: "http://169.254.169.254/latest").Rule!.Id);
        Assert.Equal(RuleEffect.None, Evaluate(policy, "shell", target: "ls").Effect);
    }

    [Fact]
    public void Among_rules_of_the_same_effect_the_first_is_reported()
    {
        var policy = PolicyCompiler.Compile(Header + """
              - id: first
                effect: allow
                match: { tools: ["g*"] }
              - id: second
                effect: allow
                match: { tools: [git] }
            """, 1);

        Assert.Equal("first", Evaluate(policy, "git").Rule!.Id);
    }

    [Fact]
    public void Roles_labels_workflows_and_operations_must_all_match()
    {
        var policy = PolicyCompiler.Compile(Header + """
              - id: r
                effect: allow
                match:
                  tools: [db]
                  operations: [read]
                  roles: [analyst]
                  labels: [pii]
                  workflows: ["report-*"]
            """, 1);

        Assert.Equal(RuleEffect.Allow, Evaluate(policy, "db", "read", roles: ["analyst"], labels: ["pii"], workflow: "report-q3").Effect);
        Assert.Equal(RuleEffect.None, Evaluate(policy, "db", "write", roles: ["analyst"], labels: ["pii"], workflow: "report-q3").Effect);
        Assert.Equal(RuleEffect.None, Evaluate(policy, "db", "read", roles: ["dev"], labels: ["pii"], workflow: "report-q3").Effect);
        Assert.Equal(RuleEffect.None, Evaluate(policy, "db", "read", roles: ["analyst"], labels: ["public"], workflow: "report-q3").Effect);
        Assert.Equal(RuleEffect.None, Evaluate(policy, "db", "read", roles: ["analyst"], labels: ["pii"], workflow: null).Effect);
    }

    [Fact]
    public void Limits_and_approvals_are_compiled()
    {
        var policy = PolicyCompiler.Compile(Header + """
              - id: l
                effect: allow
                limits: { rate: 5, per: 2m, burst: 10 }
              - id: a
                effect: require_approval
                match: { tools: [pay] }
                approval: { groups: [fin, ops], quorum: 2, expires_after: 4h, escalate_to: [cfo], escalate_after: 1h }
            """, 1);

        Assert.Equal(new RuleRateLimit(5, TimeSpan.FromMinutes(2), 10), policy.Rules[0].Limits.PerAgentTool);
        var approval = policy.Rules[1].Approval!;
        Assert.Equal(["fin", "ops"], approval.Groups);
        Assert.Equal(2, approval.Quorum);
        Assert.Equal(TimeSpan.FromHours(4), approval.ExpiresAfter);
        Assert.Equal(TimeSpan.FromHours(1), approval.EscalateAfter);
    }

    [Theory]
    [InlineData("", "the document is empty")]
    [InlineData("apiVersion: mesh/v2\nkind: Policy\nrules: []", "apiVersion must be 'mesh/v1'")]
    [InlineData("apiVersion: mesh/v1\nkind: Nope\nrules: []", "kind must be 'Policy'")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: allow\n    colour: red\n", "unknown key 'colour'")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - effect: allow\n", "every rule needs an id")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: permit\n", "effect must be allow, deny or require_approval")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: require_approval\n", "needs an approval section")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: require_approval\n    approval: { groups: [a], quorum: 0 }\n", "approval.quorum must be a whole number from 1 to 100")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: deny\n    limits: { rate: 1 }\n", "limits apply only to allow rules")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: allow\n    limits: { rate: 1, per: soon }\n", "is not a duration")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: allow\n    match: { tools: [''] }\n", "must hold non-empty strings")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: x\n    effect: allow\n  - id: x\n    effect: deny\n    match: { tools: [y] }\n", "ids must be unique")]
    [InlineData("apiVersion: mesh/v1\nkind: Policy\nrules: [\n", "")]
    public void Malformed_documents_are_rejected_with_a_clear_message(string document, string expected)
    {
        var result = PolicyCompiler.TryCompile(document, 1);

        Assert.Null(result.Policy);
        Assert.NotEmpty(result.Errors);
        Assert.Contains(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
        Assert.Throws<PolicyValidationException>(() => PolicyCompiler.Compile(document, 1));
    }

    [Fact]
    public void Syntax_errors_carry_line_and_column()
    {
        var result = PolicyCompiler.TryCompile(Header + "  - id: x\n    effect: allow\n    colour: red\n", 1);

        var error = Assert.Single(result.Errors);
        Assert.Equal(6, error.Line);
        Assert.True(error.Column > 0);
        Assert.StartsWith("6:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_is_reported_at_once()
    {
        var result = PolicyCompiler.TryCompile(Header + "  - id: a\n    effect: nope\n  - effect: allow\n", 1);

        Assert.Equal(2, result.Errors.Count);
    }

    [Fact]
    public void Rules_for_other_tools_are_not_even_looked_at()
    {
        // 5,000 rules for other tools and one for git: the index means evaluation does not scan them.
        var rules = string.Concat(Enumerable.Range(0, 5_000).Select(i => $"  - id: r{i}\n    effect: deny\n    match: {{ tools: [tool{i}] }}\n"));
        var policy = PolicyCompiler.Compile(Header + rules + "  - id: git\n    effect: allow\n    match: { tools: [git] }\n", 1);

        Assert.Equal("git", Evaluate(policy, "git").Rule!.Id);
        Assert.Equal(RuleEffect.None, Evaluate(policy, "unknown").Effect);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("2h", 7_200_000)]
    [InlineData("1d", 86_400_000)]
    public void Durations_parse(string text, int milliseconds)
    {
        Assert.True(Durations.TryParse(text, out var duration));
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("5")]
    [InlineData("5y")]
    [InlineData("999d")]
    public void Bad_durations_do_not_parse(string text)
    {
        Assert.False(Durations.TryParse(text, out _));
    }

    [Fact]
    public void Inputs_with_default_arrays_are_treated_as_empty()
    {
        var policy = PolicyCompiler.Compile(Header + "  - id: x\n    effect: allow\n", 1);

        Assert.Equal(RuleEffect.Allow, policy.Evaluate(new PolicyInput { Tool = "t", Operation = "o", Roles = default(ImmutableArray<string>), Labels = default }).Effect);
    }
}
