using System.Diagnostics;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Cli;

/// <summary>The <c>mesh</c> CLI run as a real process against a real silo, as an operator runs it.</summary>
public sealed class CliProcessTests : IAsyncLifetime
{
    private static readonly string CliAssembly = Path.Combine(AppContext.BaseDirectory, "mesh.dll");
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private async Task<(int Exit, string Out, string Err)> MeshAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MESH_URL"] = _mesh.HttpBase.ToString();
        start.Environment["MESH_TOKEN"] = _mesh.AdminToken;
        start.Environment.Remove("MESH_AGENT_TOKEN");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Register_decide_revoke_decide_with_json_output_and_exit_codes()
    {
        var policy = Path.GetTempFileName();
        await File.WriteAllTextAsync(policy, "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git\n    effect: allow\n    match: { tools: [git], roles: [deployer] }\n");
        try
        {
            Assert.Equal(0, (await MeshAsync("policy", "publish", "--tenant", "cli", policy)).Exit);
            Assert.Equal(0, (await MeshAsync("credential", "issue", "cli/github", "--tool", "git", "--target", "github.com/acme/*")).Exit);
            var register = await MeshAsync("agent", "register", "cli/bot", "--role", "deployer", "--credential", "cli/github", "--output", "json");
            var agentToken = JsonDocument.Parse(register.Out).RootElement.GetProperty("token").GetString()!;
            string[] decide = ["decide", "--agent", "cli/bot", "--agent-token", agentToken, "--tool", "git", "--operation", "push", "--target", "github.com/acme/app", "--credential", "cli/github", "-o", "json"];

            var allowed = await MeshAsync(decide);
            var revoke = await MeshAsync("credential", "revoke", "cli/github", "--reason", "leaked", "-o", "json");
            var denied = await MeshAsync(decide);

            Assert.Equal(0, register.Exit);
            Assert.Equal(0, allowed.Exit);
            Assert.Equal("allow", JsonDocument.Parse(allowed.Out).RootElement.GetProperty("effect").GetString());
            Assert.Equal("revoked", JsonDocument.Parse(revoke.Out).RootElement.GetProperty("status").GetString());
            Assert.Equal(1, denied.Exit);
            Assert.Equal("credential_revoked", JsonDocument.Parse(denied.Out).RootElement.GetProperty("reason").GetString());
        }
        finally
        {
            File.Delete(policy);
        }
    }

    [Fact]
    public async Task Policy_validate_and_test_work_offline_with_precise_errors_and_exit_codes()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-cli-policy").FullName;
        try
        {
            var good = Path.Combine(dir, "policy.yaml");
            var bad = Path.Combine(dir, "bad.yaml");
            var cases = Path.Combine(dir, "cases.yaml");
            var failing = Path.Combine(dir, "failing.yaml");
            await File.WriteAllTextAsync(good, "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git\n    effect: allow\n    match: { tools: [git] }\n");
            await File.WriteAllTextAsync(bad, "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git\n    effect: allow\n    when: request.tol == \"git\"\n");
            await File.WriteAllTextAsync(cases, "cases:\n  - name: git allowed\n    request: { tool: git, operation: push }\n    expect: { effect: allow, rule: git }\n  - name: shell denied\n    request: { tool: shell, operation: exec }\n    expect: { effect: deny, reason: default }\n");
            await File.WriteAllTextAsync(failing, "cases:\n  - name: wrong expectation\n    request: { tool: shell, operation: exec }\n    expect: { effect: allow }\n");

            var valid = await MeshAsync("policy", "validate", good);
            var invalid = await MeshAsync("policy", "validate", bad);
            var passing = await MeshAsync("policy", "test", good, cases);
            var failed = await MeshAsync("policy", "test", good, failing, "-o", "json");

            Assert.Equal(0, valid.Exit);
            Assert.Equal(1, invalid.Exit);
            Assert.Contains("bad.yaml:6:11: rule 'git': when: unknown attribute 'request.tol'", invalid.Err.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
            Assert.Equal(0, passing.Exit);
            Assert.Contains("2 passed", passing.Out, StringComparison.Ordinal);
            Assert.Equal(1, failed.Exit);
            var report = JsonDocument.Parse(failed.Out).RootElement;
            Assert.Equal(1, report.GetProperty("failed").GetInt32());
            var failedCase = report.GetProperty("cases")[0];
            Assert.False(failedCase.GetProperty("passed").GetBoolean());
            Assert.Equal("allow", failedCase.GetProperty("expected").GetProperty("effect").GetString());
            Assert.Equal("deny", failedCase.GetProperty("actual").GetProperty("effect").GetString());
            Assert.Equal("default", failedCase.GetProperty("actual").GetProperty("reason").GetString());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Simulation_and_shadow_mode_work_end_to_end_against_a_running_silo()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-cli-sim").FullName;
        try
        {
            var active = Path.Combine(dir, "active.yaml");
            var candidate = Path.Combine(dir, "candidate.yaml");
            var recorded = Path.Combine(dir, "recorded.jsonl");
            await File.WriteAllTextAsync(active, "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git\n    effect: allow\n    match: { tools: [git] }\n");
            await File.WriteAllTextAsync(candidate, "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git-read\n    effect: allow\n    match: { tools: [git], operations: [pull] }\n");
            await File.WriteAllLinesAsync(recorded, [
                "{\"requestId\":\"r1\",\"agentId\":\"sim/bot\",\"tool\":\"git\",\"operation\":\"pull\",\"target\":\"acme/app\"}",
                "{\"requestId\":\"r2\",\"agentId\":\"sim/bot\",\"tool\":\"git\",\"operation\":\"push\",\"target\":\"acme/app\"}",
            ]);
            Assert.Equal(0, (await MeshAsync("policy", "publish", "--tenant", "sim", active)).Exit);
            var register = await MeshAsync("agent", "register", "sim/bot", "-o", "json");
            var agentToken = JsonDocument.Parse(register.Out).RootElement.GetProperty("token").GetString()!;

            var simulated = await MeshAsync("policy", "simulate", "--tenant", "sim", candidate, "--requests", recorded, "-o", "json");
            var change = Assert.Single(JsonDocument.Parse(simulated.Out).RootElement.GetProperty("changes").EnumerateArray());

            Assert.Equal(0, simulated.Exit);
            Assert.Equal("r2", change.GetProperty("requestId").GetString());
            Assert.Equal("allow", change.GetProperty("recorded").GetProperty("effect").GetString());
            Assert.Equal("deny", change.GetProperty("candidate").GetProperty("effect").GetString());

            // The table names the two sides' columns apart, headers whole.
            var table = await MeshAsync("policy", "simulate", "--tenant", "sim", candidate, "--requests", recorded);
            var header = Assert.Single(table.Out.Split('\n'), line => line.Contains("request", StringComparison.Ordinal));
            foreach (var column in new[] { "effect recorded", "reason recorded", "rule recorded", "effect candidate", "reason candidate", "rule candidate" })
            {
                Assert.Contains($"│ {column} ", header, StringComparison.Ordinal);
            }

            var row = Assert.Single(table.Out.Split('\n'), line => line.Contains("│ r2 ", StringComparison.Ordinal));
            Assert.Matches(@"│ allow +│ policy +│ git +│ deny +│", row);

            Assert.Equal(0, (await MeshAsync("policy", "shadow", "--tenant", "sim", candidate)).Exit);
            var push = await MeshAsync("decide", "--agent", "sim/bot", "--agent-token", agentToken, "--tool", "git", "--operation", "push", "--target", "acme/app");
            Assert.Equal(0, push.Exit);
            JsonElement report = default;
            await Poll.UntilAsync(async () =>
            {
                var shown = await MeshAsync("policy", "shadow", "--tenant", "sim", "--report", "-o", "json");
                report = JsonDocument.Parse(shown.Out).RootElement;
                return report.GetProperty("differences").GetInt64() == 1;
            }, TimeSpan.FromSeconds(60), "the shadow report to show the difference");
            Assert.Equal(1, report.GetProperty("byChange").GetProperty("allow -> deny").GetInt64());

            var versions = await MeshAsync("policy", "versions", "--tenant", "sim", "-o", "json");
            Assert.Equal(2, JsonDocument.Parse(versions.Out).RootElement.GetArrayLength());
            Assert.Equal(0, (await MeshAsync("policy", "shadow", "--tenant", "sim", "--stop")).Exit);
            Assert.Equal(0, (await MeshAsync("policy", "rollback", "--tenant", "sim", "1")).Exit);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Tables_for_people()
    {
        await MeshAsync("agent", "register", "tables/bot", "--role", "reader");

        var list = await MeshAsync("agent", "list", "--tenant", "tables");

        Assert.Equal(0, list.Exit);
        Assert.Contains("tables/bot", list.Out, StringComparison.Ordinal);
        Assert.Contains("1 item(s)", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mistyped_command_or_option_gets_a_did_you_mean()
    {
        var subcommand = await MeshAsync("agent", "lst");
        var withArguments = await MeshAsync("agent", "lst", "--tenant", "acme");
        var swapped = await MeshAsync("agnet", "list");
        var option = await MeshAsync("credential", "list", "--tenat", "acme");
        var nothingClose = await MeshAsync("frobnicate");

        Assert.Equal(2, subcommand.Exit);
        Assert.Contains("'lst' is not a command of `mesh agent`", subcommand.Err, StringComparison.Ordinal);
        Assert.Contains("did you mean `mesh agent list`?", subcommand.Err, StringComparison.Ordinal);
        Assert.Contains("did you mean `mesh agent list --tenant acme`?", withArguments.Err, StringComparison.Ordinal);
        Assert.Equal(2, swapped.Exit);
        Assert.Contains("did you mean `mesh agent list`?", swapped.Err, StringComparison.Ordinal);
        Assert.Contains("did you mean `mesh credential list --tenant acme`?", option.Err, StringComparison.Ordinal);
        Assert.Equal(2, nothingClose.Exit);
        Assert.DoesNotContain("did you mean", nothingClose.Err, StringComparison.Ordinal);
        Assert.Contains("frobnicate", nothingClose.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exit_codes_tell_refused_usage_and_unreachable_apart()
    {
        var refused = await MeshAsync("agent", "show", "nobody/here");
        var usage = await MeshAsync("agent", "register");
        var unknown = await MeshAsync("frobnicate");
        var badId = await MeshAsync("agent", "show", "no-slash");
        var unreachable = await MeshAsync("agent", "show", "a/b", "--url", $"http://127.0.0.1:{FreePorts.Take(1)[0]}");
        var help = await MeshAsync("--help");

        Assert.Equal(1, refused.Exit);
        Assert.Contains("not_found", refused.Err, StringComparison.Ordinal);
        Assert.Equal(2, usage.Exit);
        Assert.Equal(2, unknown.Exit);
        Assert.Equal(2, badId.Exit);
        Assert.Equal(3, unreachable.Exit);
        Assert.Equal(0, help.Exit);
        Assert.Contains("Exit codes", help.Out, StringComparison.Ordinal);
    }
}
