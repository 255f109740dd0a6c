using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Cli;

/// <summary>
/// The README's five-minute walkthrough, run as written: every <c>mesh …</c> line of its first shell block with the
/// real CLI against a real silo, from the repository root (the policy file path is the README's), each with the exit
/// code and the effect or reason its comment promises; then the block's <c>curl</c> decision sent as written. A
/// README that drifts from the product fails here.
/// </summary>
public sealed partial class ReadmeWalkthroughTests : IAsyncLifetime
{
    private static readonly string CliAssembly = Path.Combine(AppContext.BaseDirectory, "mesh.dll");
    private static readonly string Root = RepositoryRoot();
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    [Fact]
    public async Task The_walkthrough_runs_as_written()
    {
        var blocks = Walkthrough();
        var commands = LogicalLines(blocks[0]).Where(l => l.Command.StartsWith("mesh ", StringComparison.Ordinal)).ToList();
        Assert.True(commands.Count >= 6, $"the walkthrough has only {commands.Count} mesh commands");
        string? agentToken = null;
        foreach (var (command, comment) in commands)
        {
            var (exit, stdout, stderr) = await MeshAsync(ShellWords(command["mesh ".Length..]), agentToken);
            var expectedExit = ExitCode().Match(comment) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            Assert.True(exit == expectedExit, $"`{command}` exited {exit}, the README says {expectedExit}\n{stdout}\n{stderr}");
            foreach (var promised in Promised().Matches(comment).Select(p => p.Groups[1].Value))
            {
                Assert.Contains(promised, stdout, StringComparison.Ordinal);
            }

            // The register line prints the agent token once; the README's next line exports it for what follows.
            agentToken = AgentToken().Match(stdout) is { Success: true } token ? token.Value : agentToken;
        }

        Assert.NotNull(agentToken);
        await TheCurlDecisionAnswersAsync(blocks[1], agentToken!);
    }

    // The curl example, sent as written (to this silo's address): the credential was revoked above, so it is denied.
    private async Task TheCurlDecisionAnswersAsync(string block, string agentToken)
    {
        var curl = string.Join(' ', LogicalLines(block).Select(l => l.Command));
        var url = CurlUrl().Match(curl).Groups[1].Value;
        var body = CurlBody().Match(curl).Groups[1].Value;
        Assert.StartsWith("http://127.0.0.1:8080/", url, StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = _mesh.HttpBase };
        using var request = new HttpRequestMessage(HttpMethod.Post, url["http://127.0.0.1:8080/".Length..])
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", agentToken);
        using var response = await http.SendAsync(request);
        var decision = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("deny", decision.GetProperty("effect").GetString());
        Assert.Equal("credential_revoked", decision.GetProperty("reason").GetString());
    }

    private async Task<(int Exit, string Out, string Err)> MeshAsync(IReadOnlyList<string> args, string? agentToken)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MESH_URL"] = _mesh.HttpBase.ToString();
        start.Environment["MESH_TOKEN"] = _mesh.AdminToken;
        if (agentToken is null)
        {
            start.Environment.Remove("MESH_AGENT_TOKEN");
        }
        else
        {
            start.Environment["MESH_AGENT_TOKEN"] = agentToken;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout, await stderr);
    }

    // The shell blocks of the walkthrough section, in order.
    private static List<string> Walkthrough()
    {
        var readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        var start = readme.IndexOf("## Five-minute walkthrough", StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no '## Five-minute walkthrough' section");
        var end = readme.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return [.. ShellBlock().Matches(section).Select(m => m.Groups[1].Value)];
    }

    // Lines joined over trailing backslashes, each split into the command and its trailing "# comment".
    private static IEnumerable<(string Command, string Comment)> LogicalLines(string block)
    {
        var joined = block.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var line in joined.Split('\n'))
        {
            var text = line.Trim();
            var hash = text.IndexOf("  #", StringComparison.Ordinal);
            var (command, comment) = hash < 0 ? (text, "") : (text[..hash].Trim(), text[(hash + 3)..]);
            if (command.Length > 0 && !command.StartsWith('#'))
            {
                yield return (MultipleSpaces().Replace(command, " "), comment);
            }
        }
    }

    // Words as a POSIX shell splits a simple command: double and single quotes group, nothing else is special here.
    private static List<string> ShellWords(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        foreach (var c in command)
        {
            if (quote is { } q)
            {
                if (c == q)
                {
                    quote = null;
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                (quote, inWord) = (c, true);
            }
            else if (c == ' ')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    (word, inWord) = (new StringBuilder(), false);
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("Mesh.sln not found above the test binaries.");
    }

    [GeneratedRegex(@"```bash\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex(@"exit code (\d+)")]
    private static partial Regex ExitCode();

    // "effect allow" or "deny credential_revoked": the word the output must show.
    [GeneratedRegex(@"(?:effect|deny) ([a-z_]+)")]
    private static partial Regex Promised();

    [GeneratedRegex(@"mesh_at_[A-Za-z0-9_\-.]+")]
    private static partial Regex AgentToken();

    [GeneratedRegex(@" {2,}")]
    private static partial Regex MultipleSpaces();

    [GeneratedRegex(@"curl\b.*?(http://\S+)")]
    private static partial Regex CurlUrl();

    [GeneratedRegex(@"-d '([^']*)'")]
    private static partial Regex CurlBody();
}
