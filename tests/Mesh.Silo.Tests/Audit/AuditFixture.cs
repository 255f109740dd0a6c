using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Audit;

/// <summary>
/// One real embedded silo (SQLite audit store) on loopback for the audit tests, with an API token per role. Checkpoints
/// are signed on demand only, so a test that asks for one knows it signs. Each test uses tenants of its own.
/// </summary>
public sealed class AuditFixture : IAsyncLifetime
{
    public EmbeddedMesh Mesh { get; private set; } = null!;

    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        // Unauthenticated calls are part of the tests: raise the authentication throttle (it has its own test).
        Mesh = await EmbeddedMesh.StartAsync(null, "--Mesh:Audit:CheckpointInterval", "01:00:00", "--Mesh:FreeAuthFailures", "100000");
        Tokens["admin"] = Mesh.AdminToken;
        using var admin = Mesh.Http(Mesh.AdminToken);
        foreach (var role in new[] { "operator", "approver", "auditor" })
        {
            var response = await admin.PostAsJsonAsync("v1/tokens", new { name = $"audit-{role}", roles = new[] { role }, groups = new[] { "finance" } });
            response.EnsureSuccessStatusCode();
            Tokens[role] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }
    }

    public async Task DisposeAsync() => await Mesh.DisposeAsync();

    public HttpClient As(string role) => Mesh.Http(Tokens[role]);

    /// <summary>A tenant of the test's own, with <paramref name="policy"/> active and agent <c>tenant/bot</c> registered; returns the agent's token.</summary>
    public async Task<(string Tenant, string AgentToken)> TenantAsync(string prefix, string policy)
    {
        var tenant = prefix + Guid.NewGuid().ToString("N")[..8];
        using var admin = As("admin");
        (await admin.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var registered = await admin.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot", roles = new[] { "deployer" } });
        registered.EnsureSuccessStatusCode();
        return (tenant, (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!);
    }

    /// <summary>A decision over the HTTP decision endpoint, as a runtime asks; returns the decision.</summary>
    public async Task<JsonElement> DecideAsync(string tenant, string agentToken, string requestId, string tool, string operation, string? target = null, object? extra = null)
    {
        using var runtime = Mesh.Http(agentToken);
        var body = new Dictionary<string, object?> { ["requestId"] = requestId, ["agentId"] = $"{tenant}/bot", ["tool"] = tool, ["operation"] = operation, ["target"] = target };
        if (extra is not null)
        {
            foreach (var property in JsonSerializer.SerializeToElement(extra).EnumerateObject())
            {
                body[property.Name] = property.Value;
            }
        }

        var response = await runtime.PostAsJsonAsync("v1/decide", body);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>GETs a page of records as <paramref name="role"/>.</summary>
    public async Task<JsonElement> RecordsAsync(string query, string role = "auditor")
    {
        using var client = As(role);
        var response = await client.GetAsync("v1/audit/records?" + query);
        Assert.True(response.IsSuccessStatusCode, $"GET records?{query}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Runs the <c>mesh</c> CLI as a process against this silo with <paramref name="role"/>'s token.</summary>
    public Task<(int Exit, string Out, string Err)> CliAsync(string role, params string[] args) =>
        MeshCli.RunAsync(Mesh.HttpBase, Tokens[role], args);

    /// <summary>Starts the CLI and leaves it running (for <c>mesh audit tail</c>); the caller reads and stops it.</summary>
    public Process StartCli(string role, params string[] args) => MeshCli.Start(Mesh.HttpBase, Tokens[role], args);

    /// <summary>An HTTP request with a role's token (or none).</summary>
    public HttpRequestMessage Request(HttpMethod method, string path, string? role)
    {
        var request = new HttpRequestMessage(method, path);
        if (role is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Tokens[role]);
        }

        return request;
    }
}

[CollectionDefinition(Name)]
public sealed class AuditCollection : ICollectionFixture<AuditFixture>
{
    public const string Name = "audit";
}
