using System.Text;
using Mesh.Policy.Compilation;
using Mesh.Policy.Parsing;
using Mesh.Policy.Testing;

namespace Mesh.Policy.Tests.Parsing;

/// <summary>
/// The bounds every YAML document is checked against before YamlDotNet builds a node tree from it. Past the bound, the
/// tree would be built by recursion (a deep document overflows the stack and kills the process) or would stand for
/// far more work than its size (aliases).
/// </summary>
public sealed class YamlShapeTests
{
    private const string Header = "apiVersion: mesh/v1\nkind: Policy\n";

    [Fact]
    public void Flow_nesting_of_64_levels_is_read_and_65_is_refused_where_the_65th_level_opens()
    {
        Assert.Null(YamlShape.Check(new string('[', 64) + new string(']', 64)));

        var error = YamlShape.Check(new string('[', 65) + new string(']', 65));

        Assert.NotNull(error);
        Assert.Equal((1, 65), (error.Line, error.Column));
        Assert.Contains("more than 64 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flow_mappings_count_like_flow_lists()
    {
        Assert.Null(YamlShape.Check(Repeat("{a: ", 64) + "x" + new string('}', 64)));

        var error = YamlShape.Check(Repeat("{a: ", 65) + "x" + new string('}', 65));

        Assert.NotNull(error);
        Assert.Equal((1, 64 * 4 + 1), (error.Line, error.Column));
    }

    [Fact]
    public void Block_lists_on_one_line_count_each_dash_as_a_level()
    {
        Assert.Null(YamlShape.Check(Repeat("- ", 64) + "x\n"));

        var error = YamlShape.Check(Repeat("- ", 65) + "x\n");

        Assert.NotNull(error);
        Assert.Equal((1, 64 * 2 + 1), (error.Line, error.Column));
    }

    [Fact]
    public void Block_mappings_nested_by_indentation_count_each_indent_as_a_level()
    {
        Assert.Null(YamlShape.Check(IndentedMappings(64)));

        var error = YamlShape.Check(IndentedMappings(65));

        Assert.NotNull(error);
        Assert.Equal(65, error.Line);
    }

    [Fact]
    public void Flow_collections_inside_block_ones_add_up()
    {
        // 32 block lists, then 32 flow lists: 64 levels. One more flow list is the 65th.
        Assert.Null(YamlShape.Check(Repeat("- ", 32) + new string('[', 32) + new string(']', 32) + "\n"));

        var error = YamlShape.Check(Repeat("- ", 32) + new string('[', 33) + new string(']', 33) + "\n");

        Assert.NotNull(error);
        Assert.Equal((1, 64 + 33), (error.Line, error.Column));
    }

    [Theory]
    [InlineData("flow")]
    [InlineData("block")]
    public void The_nesting_bomb_is_refused_by_the_compiler_with_a_position_instead_of_overflowing_the_stack(string form)
    {
        var body = form == "flow"
            ? "rules: " + new string('[', 200_000) + new string(']', 200_000)
            : "rules:\n" + Repeat("- ", 200_000) + "x\n";

        var result = PolicyCompiler.TryCompile(Header + body, 1);

        Assert.Null(result.Policy);
        var error = Assert.Single(result.Errors);
        Assert.Contains("more than 64 levels", error.Message, StringComparison.Ordinal);

        // The outer mapping is level 1, so the 64th '[' or '-' after "rules:" is the 65th level.
        Assert.Equal(form == "flow" ? (3, 7 + 64) : (4, 63 * 2 + 1), (error.Line, error.Column));
    }

    [Fact]
    public void Aliases_that_multiply_are_refused_once_their_expansion_passes_the_node_bound()
    {
        // "Billion laughs": each level is a list of ten aliases of the level before, 10^9 nodes from a few hundred bytes.
        var text = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level < 9; level++)
        {
            text.Append(Invariant($"a{level}: &a{level} [")).Append(string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 10))).Append("]\n");
        }

        var error = YamlShape.Check(text.ToString());

        Assert.NotNull(error);
        Assert.Contains($"more than {YamlLimits.MaxNodes} nodes", error.Message, StringComparison.Ordinal);

        // Level 5 expands to 10^6 nodes: the bound is crossed on its line, not at the end of the document.
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void Aliases_within_the_bound_are_read_and_count_as_copies()
    {
        Assert.Null(YamlShape.Check("a: &a [x, y]\nb: [*a, *a, *a]\n"));

        var policy = PolicyCompiler.TryCompile(
            Header + "rules:\n  - id: a\n    effect: allow\n    match: { tools: &tools [git, gh], operations: [push] }\n  - id: b\n    effect: deny\n    match: { tools: *tools, operations: [delete] }\n",
            1);

        Assert.Empty(policy.Errors);
        Assert.Equal(2, policy.Policy!.Rules.Count);
    }

    [Fact]
    public void An_alias_inside_the_node_it_names_is_refused_as_a_cycle()
    {
        var error = YamlShape.Check("rules: &r [*r]\n");

        Assert.NotNull(error);
        Assert.Equal((1, 12), (error.Line, error.Column));
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cyclic_mapping_key_is_refused_before_the_tree_would_hash_it()
    {
        // Mapping keys are hashed by their contents; a key that contains itself would be hashed without end.
        var result = PolicyCompiler.TryCompile("? &k [*k]\n: v\n", 1);

        var error = Assert.Single(result.Errors);
        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 7), (error.Line, error.Column));
    }

    [Fact]
    public void A_name_taken_again_by_an_inner_node_is_an_alias_of_that_node_not_a_cycle()
    {
        Assert.Null(YamlShape.Check("a: &n [&n x, *n]\n"));
    }

    [Fact]
    public void A_document_longer_than_the_limit_is_refused_before_it_is_read()
    {
        var error = YamlShape.Check("a: " + new string('x', YamlLimits.MaxDocumentLength));

        Assert.NotNull(error);
        Assert.Contains("characters long", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_test_cases_go_through_the_same_bounds()
    {
        var (cases, errors) = PolicyTestRunner.ParseCases("cases: " + new string('[', 200_000) + new string(']', 200_000));

        Assert.Empty(cases);
        var error = Assert.Single(errors);
        Assert.Contains("more than 64 levels", error.Message, StringComparison.Ordinal);
        Assert.Equal((1, 7 + 64), (error.Line, error.Column));
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);

    // k:\n  k:\n    k: ... with the last level holding a scalar: `levels` nested mappings.
    private static string IndentedMappings(int levels)
    {
        var text = new StringBuilder();
        for (var i = 0; i < levels; i++)
        {
            text.Append(' ', i * 2).Append(i == levels - 1 ? "k: x\n" : "k:\n");
        }

        return text.ToString();
    }
}
