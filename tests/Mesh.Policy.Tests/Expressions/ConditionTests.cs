using Mesh.Policy.Compilation;
using Mesh.Policy.Evaluation;
using Mesh.Policy.Model;

namespace Mesh.Policy.Tests.Expressions;

public sealed class ConditionTests
{
    private static string Policy(string condition, string effect = "allow", string extra = "") =>
        $"apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: r\n    effect: {effect}\n{extra}    when: '{condition}'\n";

    private static PolicyInput Request(string tool = "http", string? target = null, Action<Dictionary<string, string>>? attributes = null) => new()
    {
        Tool = tool,
        Operation = "get",
        Target = target,
        AgentId = "acme/bot",
        Roles = ["coder", "release"],
        Labels = ["internal"],
        Attributes = attributes is null ? null : Build(attributes),
        SessionId = "s1",
        SessionLabels = ["public", "confidential"],
        SessionActions = 7,
        Now = new DateTimeOffset(2026, 1, 5, 10, 30, 0, TimeSpan.Zero),
        TargetHost = "api.example.com",
        TargetPort = 443,
    };

    private static System.Collections.Immutable.ImmutableDictionary<string, string> Build(Action<Dictionary<string, string>> fill)
    {
        var map = new Dictionary<string, string>();
        fill(map);
        return System.Collections.Immutable.ImmutableDictionary.CreateRange(map);
    }

    private static RuleEffect Evaluate(string condition, PolicyInput input, string effect = "allow") =>
        PolicyCompiler.Compile(Policy(condition, effect), 1).Evaluate(input).Effect;

    [Theory]
    [InlineData("request.tool == \"http\"", true)]
    [InlineData("request.tool != \"http\"", false)]
    [InlineData("\"coder\" in agent.roles", true)]
    [InlineData("request.tool in [\"git\", \"http\"]", true)]
    [InlineData("agent.roles.contains(\"admin\")", false)]
    [InlineData("request.target.port == 443 && request.target.host.endsWith(\".example.com\")", true)]
    [InlineData("glob(request.target.host, \"*.example.*\")", true)]
    [InlineData("time.hour >= 10 && time.hour < 11 && time.weekday == \"monday\"", true)]
    [InlineData("time.now < timestamp(\"2026-02-01T00:00:00Z\")", true)]
    [InlineData("session.actions > 5 && size(session.labels) == 2", true)]
    [InlineData("session.max_label >= \"confidential\"", true)]
    [InlineData("session.max_label > \"confidential\"", false)]
    [InlineData("request.max_label == \"internal\"", true)]
    [InlineData("!(request.tool == \"git\") || false", true)]
    [InlineData("has(request.attributes.ticket)", false)]
    [InlineData("30m < 1h", true)]
    public void Conditions_evaluate_as_documented(string condition, bool applies)
    {
        Assert.Equal(applies ? RuleEffect.Allow : RuleEffect.None, Evaluate(condition, Request()));
    }

    [Fact]
    public void Request_attributes_are_readable_by_dot_or_by_key()
    {
        var input = Request(attributes: a => a["ticket"] = "OPS-1");

        Assert.Equal(RuleEffect.Allow, Evaluate("request.attributes.ticket.startsWith(\"OPS-\")", input));
        Assert.Equal(RuleEffect.Allow, Evaluate("request.attributes[\"ticket\"] == \"OPS-1\"", input));
    }

    [Fact]
    public void A_missing_attribute_never_allows_but_always_lets_a_deny_apply()
    {
        var input = Request();

        Assert.Equal(RuleEffect.None, Evaluate("request.attributes.team == \"data\"", input));
        Assert.Equal(RuleEffect.None, Evaluate("!(request.attributes.team == \"data\")", input));
        Assert.Equal(RuleEffect.Deny, Evaluate("request.attributes.team == \"data\"", input, "deny"));
        Assert.Equal(RuleEffect.Deny, Evaluate("!(request.attributes.team == \"data\")", input, "deny"));
        Assert.Equal(RuleEffect.Allow, Evaluate("request.tool == \"http\" || request.attributes.team == \"data\"", input));
        Assert.Equal(RuleEffect.None, Evaluate("request.tool == \"git\" && request.attributes.team == \"data\"", input, "deny"));
    }

    [Fact]
    public void Cidr_matches_the_target_address()
    {
        var input = Request() with { TargetIp = "10.20.3.4" };

        Assert.Equal(RuleEffect.Allow, Evaluate("cidr(request.target.ip, \"10.20.0.0/16\")", input));
        Assert.Equal(RuleEffect.None, Evaluate("cidr(request.target.ip, \"10.21.0.0/16\")", input));
    }

    [Theory]
    [InlineData("request.toool == \"x\"", "unknown attribute 'request.toool'")]
    [InlineData("request.tool == 3", "cannot compare a string with a number")]
    [InlineData("request.tool > \"a\"", "compare numbers, durations, times and labels")]
    [InlineData("time.hour == 1h", "cannot compare a number with a duration")]
    [InlineData("request.tool", "must be true or false")]
    [InlineData("agent.roles == \"x\"", "cannot compare a set of strings with a string")]
    [InlineData("glob(request.tool, request.target)", "needs a quoted string")]
    [InlineData("cidr(request.target.ip, \"10.0.0.0/33\")", "is not a CIDR range")]
    [InlineData("session.max_label >= \"topsecret\"", "is not a label of this policy")]
    [InlineData("frobnicate(request.tool)", "unknown function 'frobnicate'")]
    [InlineData("request.tool == \"a\" == \"b\"", "cannot be chained")]
    [InlineData("request.tool = \"a\"", "use '==' to compare")]
    [InlineData("(request.tool == \"a\"", "expected ')'")]
    [InlineData("request.tool == \"a", "never closed")]
    [InlineData("request.tool in agent.id", "needs a set of strings")]
    [InlineData("timestamp(\"yesterday\") < time.now", "is not a time")]
    public void Type_and_syntax_errors_are_caught_at_validation_with_a_position(string condition, string message)
    {
        var result = PolicyCompiler.TryCompile(Policy(condition), 1);

        var error = Assert.Single(result.Errors);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("r", error.RuleId);
        Assert.Equal(6, error.Line);
        Assert.True(error.Column >= 12, $"column {error.Column} should point inside the condition");
    }

    [Fact]
    public void The_column_points_at_the_offending_token()
    {
        var result = PolicyCompiler.TryCompile(Policy("request.tool == \"x\" && request.nope == \"y\""), 1);

        var error = Assert.Single(result.Errors);
        // "    when: '" is 11 characters, so the condition starts in column 12; the bad attribute is at offset 23 in it.
        Assert.Equal(12 + 23, error.Column);
    }

    [Fact]
    public void Deep_nesting_is_refused_not_a_stack_overflow()
    {
        var condition = new string('(', 5_000) + "true" + new string(')', 5_000);

        var result = PolicyCompiler.TryCompile(Policy(condition), 1);

        Assert.Contains("nests deeper", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }
}
