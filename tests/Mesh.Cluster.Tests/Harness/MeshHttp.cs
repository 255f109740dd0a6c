using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mesh.Cluster.Tests.Harness;

/// <summary>The operator calls the fault tests make, over a silo's HTTP API with an admin token.</summary>
internal sealed class MeshHttp : IDisposable
{
    private readonly HttpClient _http;

    public MeshHttp(Uri baseAddress, string token)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public Task<JsonElement> PublishPolicyAsync(string tenant, string yaml) =>
        SendAsync(HttpMethod.Put, $"v1/tenants/{tenant}/policy", new StringContent(yaml, Encoding.UTF8, "application/yaml"));

    public Task<JsonElement> IssueCredentialAsync(string credentialId) =>
        SendAsync(HttpMethod.Post, "v1/credentials", JsonContent.Create(new { credentialId, scopes = new[] { new { } } }));

    public async Task<string> RegisterAsync(string agentId, params string[] credentials) =>
        (await SendAsync(HttpMethod.Post, "v1/agents", JsonContent.Create(new { agentId, roles = Array.Empty<string>(), credentials }))).GetProperty("token").GetString()!;

    public async Task<string> RotateTokenAsync(string agentId) =>
        (await SendAsync(HttpMethod.Post, $"v1/agents/{agentId}/token", null)).GetProperty("token").GetString()!;

    public Task<JsonElement> PauseAgentAsync(string agentId) =>
        SendAsync(HttpMethod.Post, $"v1/agents/{agentId}/pause", JsonContent.Create(new { reason = "fault test" }));

    public Task<JsonElement> RevokeCredentialAsync(string credentialId) =>
        SendAsync(HttpMethod.Post, $"v1/credentials/{credentialId}/revoke", JsonContent.Create(new { reason = "fault test" }));

    public Task<JsonElement> GetAgentAsync(string agentId) => SendAsync(HttpMethod.Get, $"v1/agents/{agentId}", null);

    /// <summary>The raw response, for calls expected to fail.</summary>
    public async Task<HttpResponseMessage> TryPauseAgentAsync(string agentId) =>
        await _http.PostAsync($"v1/agents/{agentId}/pause", JsonContent.Create(new { reason = "fault test" }));

    /// <summary>Verifies the whole audit store (<c>POST /v1/audit/verify</c>).</summary>
    public Task<JsonElement> VerifyAuditAsync() => SendAsync(HttpMethod.Post, "v1/audit/verify", null);

    /// <summary>Signs a checkpoint of the heads this silo wrote (<c>POST /v1/audit/checkpoints</c>).</summary>
    public Task<JsonElement> CheckpointAuditAsync() => SendAsync(HttpMethod.Post, "v1/audit/checkpoints", null);

    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} {path} answered {(int)response.StatusCode}: {body}");
        }

        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
