using System.Text.RegularExpressions;
using Mesh.Policy.Compilation;
using Mesh.Policy.Testing;

namespace Mesh.Policy.Tests.Documentation;

/// <summary>Every example in docs/POLICY.md is compiled, and the cases that follow it are run: the docs cannot drift.</summary>
public sealed partial class PolicyDocumentationTests
{
    private static string RepositoryFile(string relative)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
        {
            directory = directory.Parent;
        }

        return Path.Combine(directory?.FullName ?? throw new InvalidOperationException("Mesh.sln not found above the test folder."), relative);
    }

    [GeneratedRegex("```yaml (policy|cases)\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex Blocks();

    public static TheoryData<int, string, string?> Examples()
    {
        var data = new TheoryData<int, string, string?>();
        var blocks = Blocks().Matches(File.ReadAllText(RepositoryFile("docs/POLICY.md")));
        string? policy = null;
        var index = 0;
        foreach (Match block in blocks)
        {
            if (block.Groups[1].Value == "policy")
            {
                if (policy is not null)
                {
                    data.Add(index++, policy, null);
                }

                policy = block.Groups[2].Value;
            }
            else
            {
                data.Add(index++, policy ?? throw new InvalidOperationException("a cases block with no policy before it"), block.Groups[2].Value);
                policy = null;
            }
        }

        if (policy is not null)
        {
            data.Add(index, policy, null);
        }

        return data;
    }

    [Fact]
    public void The_documentation_has_examples_with_cases()
    {
        Assert.True(Examples().Count >= 8);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Each_documented_example_compiles_and_its_cases_pass(int example, string policy, string? cases)
    {
        var compilation = PolicyCompiler.TryCompile(policy, 1);
        Assert.True(compilation.Policy is not null, $"example {example}: " + string.Join("; ", compilation.Errors));
        if (cases is null)
        {
            return;
        }

        var (parsed, errors) = PolicyTestRunner.ParseCases(cases);
        Assert.Empty(errors);
        Assert.NotEmpty(parsed);
        foreach (var result in PolicyTestRunner.Run(compilation.Policy!, parsed))
        {
            Assert.True(result.Passed, $"example {example}, case '{result.Case.Name}': expected {result.Case.ExpectedEffect} {result.Case.ExpectedReason} {result.Case.ExpectedRule}, got {result.Effect} {result.Reason} {result.Rule}");
        }
    }
}
