using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Cli;

/// <summary>The CLI prints characters that hide or reorder text as their escapes, in tables and in JSON.</summary>
public sealed class CliHiddenTextTests : IAsyncLifetime
{
    private static readonly string CliAssembly = Path.Combine(AppContext.BaseDirectory, "mesh.dll");
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private async Task<(int Exit, string Out)> MeshAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = Encoding.UTF8 };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MESH_URL"] = _mesh.HttpBase.ToString();
        start.Environment["MESH_TOKEN"] = _mesh.AdminToken;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        await stderr;
        return (process.ExitCode, await stdout);
    }

    [Fact]
    public async Task An_approval_with_a_right_to_left_override_is_shown_escaped()
    {
        using var admin = _mesh.Http(_mesh.AdminToken);
        var policy = "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: pay\n    effect: require_approval\n    approval: { groups: [finance] }\n";
        (await admin.PutAsync("v1/tenants/cli/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var registered = await (await admin.PostAsJsonAsync("v1/agents", new { agentId = "cli/bot", owner = "ops" })).Content.ReadFromJsonAsync<JsonElement>();
        using var runtime = _mesh.Http(registered.GetProperty("token").GetString());
        var decision = await (await runtime.PostAsJsonAsync("v1/decide", new { requestId = "r1", agentId = "cli/bot", tool = "payments", operation = "transfer", target = "acct-9", arguments = "{\"file\":\"invoice_\u202Efdp.exe\"}" })).Content.ReadFromJsonAsync<JsonElement>();
        var approvalId = decision.GetProperty("approvalId").GetString()!;

        var table = await MeshAsync("approval", "show", approvalId);
        var json = await MeshAsync("approval", "show", approvalId, "-o", "json");

        Assert.Equal(0, table.Exit);
        Assert.Equal(0, json.Exit);
        foreach (var output in new[] { table.Out, json.Out })
        {
            Assert.DoesNotContain('\u202E', output);
            Assert.Contains("invoice_\\u202Efdp.exe", output.Replace("\\\\u", "\\u", StringComparison.Ordinal), StringComparison.Ordinal);
        }

        // Still valid JSON (one document), and it still means the same text.
        var parsed = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal("{\"file\":\"invoice_\u202Efdp.exe\"}", parsed.GetProperty("subject").GetProperty("arguments").GetString());
    }
}
