using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Client;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Testing;

namespace Mesh.Client.Tests.Documentation;

/// <summary>
/// The README's SDK example runs as written: its code is copied here (between the sdk-snippet markers), one test
/// keeps the two copies identical, the other runs it against a real silo on a free, non-default gateway port after
/// the README walkthrough's own set-up (policy, credential acme/github, agent acme/release-bot).
/// </summary>
public sealed class ReadmeSnippetTests
{
    private const string Begin = "sdk-snippet:begin";
    private const string End = "sdk-snippet:end";

    // MESH_GATEWAY and MESH_AGENT_TOKEN are process-wide; only this class sets them, and its tests run one at a time.
    [Fact]
    public async Task The_readme_sdk_snippet_runs_against_a_silo_on_a_non_default_gateway()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        Assert.NotEqual(30000, mesh.GatewayPort);
        using var admin = mesh.Http(mesh.AdminToken);
        var token = await WalkthroughSetUpAsync(admin);

        await RunWithEnvironmentAsync($"127.0.0.1:{mesh.GatewayPort}", token);
        var allowed = await AuditAsync(admin);
        (await admin.PostAsJsonAsync("v1/credentials/acme/github/revoke", new { reason = "key leaked" })).EnsureSuccessStatusCode();
        await RunWithEnvironmentAsync($"127.0.0.1:{mesh.GatewayPort}", token);
        var afterRevoke = await AuditAsync(admin);

        // First run: allowed, and the outcome the snippet reports is recorded against that decision.
        var decision = Assert.Single(allowed, r => r.Kind == "decision");
        Assert.Equal("allow", decision.Effect);
        Assert.Equal("acme/github", decision.CredentialId);
        var outcome = Assert.Single(allowed, r => r.Kind == "outcome");
        Assert.Equal(decision.RequestId, outcome.RequestId);

        // Second run, after the walkthrough's revoke: denied credential_revoked, and the snippet stops before reporting.
        var denied = Assert.Single(afterRevoke, r => r.Kind == "decision" && r.RequestId != decision.RequestId);
        Assert.Equal("deny", denied.Effect);
        Assert.Equal("credential_revoked", denied.Reason);
        Assert.Single(afterRevoke, r => r.Kind == "outcome");
    }

    [Fact]
    public void The_readme_sdk_snippet_is_the_code_this_test_runs()
    {
        var readme = File.ReadAllLines(RepositoryFiles.Path("README.md"));
        var block = Between(readme, Begin, End);
        Assert.Equal("```csharp", block[0].Trim());
        Assert.Equal("```", block[^1].Trim());
        var code = block[1..^1];
        var usings = code.TakeWhile(l => l.StartsWith("using ", StringComparison.Ordinal)).ToArray();
        var body = code.Skip(usings.Length).SkipWhile(string.IsNullOrWhiteSpace).ToArray();
        var source = File.ReadAllLines(RepositoryFiles.Path("tests/Mesh.Client.Tests/Documentation/ReadmeSnippetTests.cs"));

        Assert.NotEmpty(usings);
        Assert.All(usings, u => Assert.Contains(u, source));
        Assert.Equal(Normalise(body), Normalise(Between(source, "// " + Begin, "// " + End)));
    }

    private static async Task<string> WalkthroughSetUpAsync(HttpClient admin)
    {
        var policy = await File.ReadAllTextAsync(RepositoryFiles.Path("docs/examples/quickstart-policy.yaml"));
        (await admin.PutAsync("v1/tenants/acme/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        (await admin.PostAsJsonAsync("v1/credentials", new { credentialId = "acme/github", scopes = new[] { new { tools = new[] { "git" }, targets = new[] { "github.com/acme/*" } } } })).EnsureSuccessStatusCode();
        using var registered = await admin.PostAsJsonAsync("v1/agents", new { agentId = "acme/release-bot", roles = new[] { "deployer" }, credentials = new[] { "acme/github" }, owner = "alice" });
        registered.EnsureSuccessStatusCode();
        return (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static async Task RunWithEnvironmentAsync(string gateway, string agentToken)
    {
        Environment.SetEnvironmentVariable("MESH_GATEWAY", gateway);
        Environment.SetEnvironmentVariable("MESH_AGENT_TOKEN", agentToken);
        try
        {
            await RunReadmeSnippetAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            Environment.SetEnvironmentVariable("MESH_GATEWAY", null);
            Environment.SetEnvironmentVariable("MESH_AGENT_TOKEN", null);
        }
    }

    private static async Task<AuditLine[]> AuditAsync(HttpClient admin)
    {
        var page = await admin.GetFromJsonAsync<JsonElement>("v1/audit/records?agent=acme/release-bot&limit=100");
        return [.. page.GetProperty("records").EnumerateArray().Select(r => new AuditLine(
            r.GetProperty("kind").GetString()!,
            r.TryGetProperty("requestId", out var id) ? id.GetString() : null,
            r.TryGetProperty("effect", out var effect) ? effect.GetString() : null,
            r.TryGetProperty("reason", out var reason) ? reason.GetString() : null,
            r.TryGetProperty("credentialId", out var credential) ? credential.GetString() : null))];
    }

    // The lines strictly between the line holding `begin` and the one holding `end`.
    private static string[] Between(string[] lines, string begin, string end)
    {
        var from = Array.FindIndex(lines, l => l.Contains(begin, StringComparison.Ordinal));
        var to = Array.FindIndex(lines, from + 1, l => l.Contains(end, StringComparison.Ordinal));
        Assert.True(from >= 0 && to > from, $"markers {begin} / {end} not found");
        return lines[(from + 1)..to];
    }

    // Indentation differs (top-level statements there, a method body here): remove the common indent and trailing spaces.
    private static string Normalise(string[] lines)
    {
        var indent = lines.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        return string.Join('\n', lines.Select(l => l.Trim().Length == 0 ? string.Empty : l[indent..].TrimEnd()));
    }

    // The README's SDK example, exactly as it is there. Change both or neither: the test above compares them.
    private static async Task RunReadmeSnippetAsync()
    {
        // sdk-snippet:begin
        // The gateway is a silo's host and --gateway-port. Several: MeshGate.Create(["10.0.0.5:30000", "10.0.0.6:30000"]);
        // with options: new MeshGateOptions { Gateways = { "10.0.0.5:30000" }, DecisionTimeout = TimeSpan.FromSeconds(2) }.
        var gateway = Environment.GetEnvironmentVariable("MESH_GATEWAY") ?? "127.0.0.1:30000";
        await using var gate = MeshGate.Create(gateway);     // or services.AddMeshClient(o => o.Gateways = [gateway]) and inject IMeshGate

        var request = new ActionRequest
        {
            RequestId = Guid.NewGuid().ToString("N"),        // idempotency key: retries reuse it
            AgentId = "acme/release-bot",
            AgentToken = Environment.GetEnvironmentVariable("MESH_AGENT_TOKEN")!,
            Tool = "git",
            Operation = "push",
            Target = "github.com/acme/app",
            CredentialId = "acme/github",
            Arguments = """{"branch":"main","force":false}""",
        };

        var decision = await gate.CheckAsync(request);
        if (decision.Effect == Effect.RequireApproval)
        {
            var wait = await gate.WaitForApprovalAsync(request.AgentId, request.AgentToken, decision.ApprovalId!, TimeSpan.FromMinutes(10));
            if (wait.Status == ApprovalStatus.Granted)
            {
                decision = await gate.CheckAsync(request with { ApprovalId = decision.ApprovalId });   // single use
            }
        }

        if (!decision.IsAllowed)
        {
            Console.WriteLine($"denied: {decision.Reason.ToWire()}: {decision.Message}");   // e.g. credential_revoked
            return;
        }

        // ... run the tool, then:
        await gate.ReportOutcomeAsync(new() { RequestId = request.RequestId, AgentId = request.AgentId, AgentToken = request.AgentToken, Success = true });
        // sdk-snippet:end
    }

    private sealed record AuditLine(string Kind, string? RequestId, string? Effect, string? Reason, string? CredentialId);
}
