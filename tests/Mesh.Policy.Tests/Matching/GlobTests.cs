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
}
