using Mesh.Policy.Matching;

namespace Mesh.Policy.Tests.Matching;

public sealed class GlobTests
{
    [Theory]
    [InlineData("*", "", true)]
    [InlineData("*", "anything", true)]
    [InlineData("git", "git", true)]
    [InlineData("git", "gitx", false)]
    [InlineData("github.com/acme/*", "github.com/acme/app", true)]
    [InlineData("github.com/acme/*", "github.com/acmex/app", false)]
    [InlineData("*.internal", "db.internal", true)]
    [InlineData("*.internal", "db.internal.evil.com", false)]
    [InlineData("a*b*c", "abc", true)]
    [InlineData("a*b*c", "aXbYc", true)]
    [InlineData("a*b*c", "aXbY", false)]
    [InlineData("file-?.txt", "file-1.txt", true)]
    [InlineData("file-?.txt", "file-12.txt", false)]
    [InlineData("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    public void Matches_as_documented(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, Glob.Compile(pattern).IsMatch(input));
    }

    [Fact]
    public void An_empty_set_matches_everything_but_a_set_never_matches_a_missing_value()
    {
        Assert.True(GlobSet.Compile([]).IsMatch(null));
        Assert.True(GlobSet.Compile(null).IsMatch("x"));
        Assert.False(GlobSet.Compile(["x*"]).IsMatch(null));
        Assert.True(GlobSet.Compile(["y", "x*"]).IsMatch("xyz"));
    }

    [Fact]
    public void Segment_matching_agrees_with_a_regular_expression_on_random_patterns()
    {
        var random = new Random(1234);
        const string Alphabet = "ab/*?";
        for (var round = 0; round < 20_000; round++)
        {
            var pattern = RandomText(random, Alphabet, random.Next(0, 8));
            var input = RandomText(random, "ab/", random.Next(0, 10));
            var regex = "^" + string.Concat(pattern.Select(c => c switch { '*' => ".*", '?' => ".", _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()) })) + "$";
            var expected = System.Text.RegularExpressions.Regex.IsMatch(input, regex, System.Text.RegularExpressions.RegexOptions.Singleline);

            Assert.True(expected == Glob.Compile(pattern).IsMatch(input), $"'{pattern}' on '{input}': expected {expected}");
        }
    }

    private static string RandomText(Random random, string alphabet, int length) =>
        string.Create(length, (random, alphabet), static (span, state) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = state.alphabet[state.random.Next(state.alphabet.Length)];
            }
        });
}
