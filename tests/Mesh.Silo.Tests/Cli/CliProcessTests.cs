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
            Assert.Equal(0, (await MeshAsync("policy", "publish", "cli", policy)).Exit);
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
    public async Task Tables_for_people()
    {
        await MeshAsync("agent", "register", "tables/bot", "--role", "reader");

        var list = await MeshAsync("agent", "list", "--tenant", "tables");

        Assert.Equal(0, list.Exit);
        Assert.Contains("tables/bot", list.Out, StringComparison.Ordinal);
        Assert.Contains("1 item(s)", list.Out, StringComparison.Ordinal);
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
