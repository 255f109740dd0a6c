using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Api;

/// <summary><c>POST /v1/agents</c> grants only credentials that were issued, unless told they will be issued later.</summary>
[Collection(ApiCollection.Name)]
public sealed class AgentRegistrationApiTests(ApiFixture api)
{
    [Fact]
    public async Task An_unissued_credential_is_refused_with_its_name_and_the_fix_and_no_agent_is_created()
    {
        using var ops = api.As("operator");

        using var response = await ops.PostAsJsonAsync("v1/agents", new { agentId = "reg-unknown/bot", credentials = new[] { "reg-unknown/githib" } });

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains("'reg-unknown/githib' was never issued", detail, StringComparison.Ordinal);
        Assert.Contains("mesh credential issue reg-unknown/githib", detail, StringComparison.Ordinal);
        Assert.Contains("\"allowUnissuedCredentials\": true", detail, StringComparison.Ordinal);
        using var show = await ops.GetAsync("v1/agents/reg-unknown/bot");
        Assert.Equal(HttpStatusCode.NotFound, show.StatusCode);
        var agents = await ops.GetFromJsonAsync<JsonElement>("v1/tenants/reg-unknown/agents");
        Assert.Equal(0, agents.GetArrayLength());
    }

    [Fact]
    public async Task Allowing_unissued_credentials_registers_the_agent_with_them()
    {
        using var ops = api.As("operator");

        using var response = await ops.PostAsJsonAsync("v1/agents", new { agentId = "reg-later/bot", credentials = new[] { "reg-later/github" }, allowUnissuedCredentials = true });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var agent = await ops.GetFromJsonAsync<JsonElement>("v1/agents/reg-later/bot");
        Assert.Equal("reg-later/github", agent.GetProperty("registration").GetProperty("credentials")[0].GetString());
    }

    [Fact]
    public async Task The_cli_refuses_an_unissued_credential_and_registers_with_credential_issued_later()
    {
        var refused = await MeshCli.RunAsync(api.Mesh.HttpBase, api.Tokens["operator"], "agent", "register", "reg-cli/bot", "--credential", "reg-cli/gh");
        var registered = await MeshCli.RunAsync(api.Mesh.HttpBase, api.Tokens["operator"], "agent", "register", "reg-cli/bot", "--credential", "reg-cli/gh", "--credential-issued-later", "-o", "json");

        Assert.True(refused.Exit != 0, $"exit {refused.Exit}: {refused.Out}{refused.Err}");
        Assert.Contains("'reg-cli/gh' was never issued", refused.Out + refused.Err, StringComparison.Ordinal);
        Assert.True(registered.Exit == 0, $"exit {registered.Exit}: {registered.Out}{registered.Err}");
        Assert.Equal("reg-cli/bot", JsonDocument.Parse(registered.Out).RootElement.GetProperty("agentId").GetString());
    }

    [Fact]
    public async Task An_issued_credential_is_granted_and_a_revoked_one_is_refused()
    {
        using var ops = api.As("operator");
        (await ops.PostAsJsonAsync("v1/credentials", new { credentialId = "reg-issued/github", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        (await ops.PostAsJsonAsync("v1/credentials", new { credentialId = "reg-issued/leaked", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        (await ops.PostAsJsonAsync("v1/credentials/reg-issued/leaked/revoke", new { reason = "leaked" })).EnsureSuccessStatusCode();

        using var issued = await ops.PostAsJsonAsync("v1/agents", new { agentId = "reg-issued/bot", credentials = new[] { "reg-issued/github" } });
        using var revoked = await ops.PostAsJsonAsync("v1/agents", new { agentId = "reg-issued/other", credentials = new[] { "reg-issued/leaked" }, allowUnissuedCredentials = true });

        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, revoked.StatusCode);
        Assert.Contains("'reg-issued/leaked' is revoked", (await revoked.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        using var show = await ops.GetAsync("v1/agents/reg-issued/other");
        Assert.Equal(HttpStatusCode.NotFound, show.StatusCode);
    }
}
