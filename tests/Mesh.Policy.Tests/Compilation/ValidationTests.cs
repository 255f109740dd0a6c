using Mesh.Policy.Compilation;

namespace Mesh.Policy.Tests.Compilation;

public sealed class ValidationTests
{
    private const string Header = "apiVersion: mesh/v1\nkind: Policy\n";

    private static IReadOnlyList<Model.PolicyError> Errors(string body) => PolicyCompiler.TryCompile(Header + body, 1).Errors;

    [Fact]
    public void A_rule_shadowed_by_an_earlier_one_with_the_same_match_is_reported()
    {
        var errors = Errors("rules:\n  - id: a\n    effect: allow\n    match: { tools: [git] }\n  - id: b\n    effect: allow\n    match: { tools: [git] }\n");

        var error = Assert.Single(errors);
        Assert.Equal("b", error.RuleId);
        Assert.Equal(7, error.Line);
        Assert.Contains("can never decide", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_allow_under_an_unconditional_deny_with_the_same_match_is_reported_wherever_it_stands()
    {
        var errors = Errors("rules:\n  - id: a\n    effect: allow\n    match: { tools: [git] }\n  - id: b\n    effect: deny\n    match: { tools: [git] }\n");

        Assert.Equal("a", Assert.Single(errors).RuleId);
    }

    [Fact]
    public void A_conditional_rule_shadows_nothing()
    {
        Assert.Empty(Errors("rules:\n  - id: a\n    effect: deny\n    match: { tools: [git] }\n    when: request.operation == \"push\"\n  - id: b\n    effect: allow\n    match: { tools: [git] }\n"));
    }

    [Fact]
    public void A_quorum_the_declared_groups_cannot_reach_is_reported()
    {
        var errors = Errors("approver_groups:\n  ops: [ann, ben]\nrules:\n  - id: a\n    effect: require_approval\n    approval: { groups: [ops], quorum: 3 }\n");

        Assert.Contains("can never be reached", Assert.Single(errors).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rules:\n  - id: a\n    effect: allow\n    open_destinations: [intranet]\n", "not a destination category")]
    [InlineData("rules:\n  - id: a\n    effect: deny\n    evidence: [ticket]\n", "evidence applies only to allow rules")]
    [InlineData("rules:\n  - id: a\n    effect: allow\n    limits: { per_agent: lots }\n", "must look like permits/period")]
    [InlineData("rules:\n  - id: a\n    effect: allow\n    valid_until: someday\n", "is not a time")]
    [InlineData("rules:\n  - id: a\n    effect: allow\n    match: { tools: [\"a**\"] }\n", "is not a valid glob")]
    [InlineData("rules:\n  - id: a\n    effect: allow\n    match: { tools: [git], tools: [x] }\n", "")]
    [InlineData("labels: [low, low]\nrules: []\n", "listed twice")]
    [InlineData("rules:\n  - id: a\n    effect: require_approval\n    approval: { groups: [g], escalate_after: 2h, expires_after: 1h, escalate_to: [h] }\n", "shorter than")]
    public void Each_mistake_gets_a_clear_error(string body, string message)
    {
        var errors = Errors(body);

        Assert.NotEmpty(errors);
        Assert.Contains(errors, e => e.Message.Contains(message, StringComparison.Ordinal));
        Assert.All(errors, e => Assert.True(e.Line > 0));
    }

    [Fact]
    public void Match_patterns_repeated_by_yaml_aliases_are_counted_after_expansion()
    {
        var patterns = string.Join(", ", Enumerable.Range(0, 200).Select(i => "\"*" + new string('a', 300) + i + "*\""));
        var rules = string.Concat(Enumerable.Range(0, 5).Select(i => i == 0
            ? $"  - id: r0\n    effect: allow\n    match: {{ tools: [t0], targets: &many [{patterns}] }}\n"
            : $"  - id: r{i}\n    effect: allow\n    match: {{ tools: [t{i}], targets: *many }}\n"));

        var errors = Errors("rules:\n" + rules);

        var error = Assert.Single(errors);
        Assert.Contains("after expanding YAML aliases", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{PolicyCompiler.MaxGlobCharacters} characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_match_list_longer_than_the_limit_is_refused()
    {
        var targets = string.Join(", ", Enumerable.Range(0, PolicyCompiler.MaxPatternsPerList + 1).Select(i => "t" + i));

        var error = Assert.Single(Errors($"rules:\n  - id: a\n    effect: allow\n    match: {{ targets: [{targets}] }}\n"));

        Assert.Contains($"the limit is {PolicyCompiler.MaxPatternsPerList}", error.Message, StringComparison.Ordinal);
    }
}
