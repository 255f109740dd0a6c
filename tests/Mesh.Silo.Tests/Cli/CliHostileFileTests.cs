using System.Diagnostics;

namespace Mesh.Silo.Tests.Cli;

/// <summary>
/// The <c>mesh</c> CLI reads YAML and JSON Lines files locally (validate, test, simulate): a hostile file is a clear
/// error with its position, never a crash of the CLI. Run as a process, since a stack overflow would end the test host.
/// </summary>
public sealed class CliHostileFileTests : IDisposable
{
    private static readonly string CliAssembly = Path.Combine(AppContext.BaseDirectory, "mesh.dll");
    private static readonly string FlowBomb = "rules: " + new string('[', 200_000) + new string(']', 200_000);
    private readonly string _folder = Directory.CreateTempSubdirectory("mesh-cli-hostile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Validate_refuses_the_nesting_bomb_with_file_line_and_column()
    {
        var bomb = await FileAsync("bomb.yaml", FlowBomb);

        var (exit, _, err) = await MeshAsync("policy", "validate", bomb);

        Assert.Equal(1, exit);
        Assert.Contains("bomb.yaml:1:71: the document nests lists and mappings more than 64 levels deep", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Test_refuses_a_cases_file_with_a_cyclic_key_with_its_position()
    {
        var policy = await FileAsync("policy.yaml", "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: a\n    effect: allow\n");
        var cases = await FileAsync("cases.yaml", "? &k [*k]\n: v\n");

        var (exit, _, err) = await MeshAsync("policy", "test", policy, cases);

        Assert.Equal(2, exit);
        Assert.Contains("cases.yaml:1:7: alias '*k' is inside the node it names (a cycle)", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_refuses_a_recorded_requests_line_nested_too_deep_naming_the_line_before_it_sends_anything()
    {
        var candidate = await FileAsync("candidate.yaml", "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: a\n    effect: allow\n");
        var requests = await FileAsync("recorded.jsonl", "{\"requestId\":\"r1\",\"agentId\":\"t/a\",\"tool\":\"git\",\"operation\":\"push\"}\n" + new string('[', 200_000) + new string(']', 200_000) + "\n");

        // No silo listens at this address: the file is refused before the CLI would connect.
        var (exit, _, err) = await MeshAsync("policy", "simulate", "--tenant", "t", candidate, "--requests", requests);

        Assert.Equal(2, exit);
        Assert.Contains("recorded.jsonl:2: not a JSON object", err, StringComparison.Ordinal);
        Assert.Contains("depth", err, StringComparison.Ordinal);
    }

    private async Task<string> FileAsync(string name, string text)
    {
        var path = Path.Combine(_folder, name);
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private static async Task<(int Exit, string Out, string Err)> MeshAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MESH_URL"] = "http://127.0.0.1:9/";
        start.Environment["MESH_TOKEN"] = "mesh_ot_unused.unused";
        start.Environment.Remove("MESH_AGENT_TOKEN");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout, await stderr);
    }
}
