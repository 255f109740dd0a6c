using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Tenants;

namespace Mesh.LoadTests.Targets;

/// <summary>The operator actions a scenario needs to set itself up.</summary>
internal interface IMeshOperator
{
    Task PublishAsync(string tenant, string yaml);

    Task IssueCredentialAsync(string credentialId);

    Task<string> RegisterAsync(string agentId, string[] roles, string[] credentials);

    /// <summary>Revokes the credential; returns how many silos confirmed it of how many were live.</summary>
    Task<(int Acknowledged, int Live)> RevokeAsync(string credentialId);
}

/// <summary>Operator calls straight to the grains of an in-process silo: fast set-up of many agents.</summary>
internal sealed class GrainOperator(IGrainFactory grains) : IMeshOperator
{
    public Task PublishAsync(string tenant, string yaml) => grains.GetGrain<ITenantGrain>(tenant).PublishPolicy(yaml);

    public Task IssueCredentialAsync(string credentialId) =>
        grains.GetGrain<ICredentialGrain>(credentialId).Issue(new CredentialSpec { Scopes = [new CredentialScope()] });

    public async Task<string> RegisterAsync(string agentId, string[] roles, string[] credentials) =>
        (await grains.GetGrain<IAgentGrain>(agentId).Register(new AgentRegistration { Roles = [.. roles], Credentials = [.. credentials] })).Token;

    public async Task<(int Acknowledged, int Live)> RevokeAsync(string credentialId)
    {
        var receipt = (await grains.GetGrain<ICredentialGrain>(credentialId).Revoke("load test")).Receipt;
        return (receipt?.SilosAcknowledged ?? 0, receipt?.SilosLive ?? 0);
    }
}

/// <summary>Operator calls over the HTTP API, for a mesh this process does not host.</summary>
internal sealed class HttpOperator(HttpClient http) : IMeshOperator
{
    public async Task PublishAsync(string tenant, string yaml) =>
        (await http.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(yaml, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();

    public async Task IssueCredentialAsync(string credentialId)
    {
        using var response = await http.PostAsJsonAsync("v1/credentials", new { credentialId, scopes = new[] { new { } } });
        if (response.StatusCode != System.Net.HttpStatusCode.Conflict)
        {
            response.EnsureSuccessStatusCode();
        }
    }

    public async Task<string> RegisterAsync(string agentId, string[] roles, string[] credentials)
    {
        using var response = await http.PostAsJsonAsync("v1/agents", new { agentId, roles, credentials });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public async Task<(int Acknowledged, int Live)> RevokeAsync(string credentialId)
    {
        var slash = credentialId.IndexOf('/', StringComparison.Ordinal);
        using var response = await http.PostAsJsonAsync($"v1/credentials/{credentialId[..slash]}/{credentialId[(slash + 1)..]}/revoke", new { reason = "load test" });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.TryGetProperty("receipt", out var receipt) && receipt.ValueKind == JsonValueKind.Object
            ? (receipt.GetProperty("silosAcknowledged").GetInt32(), receipt.GetProperty("silosLive").GetInt32())
            : (0, 0);
    }
}
