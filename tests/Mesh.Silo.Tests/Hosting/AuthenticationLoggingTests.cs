using System.Net;
using System.Net.Http.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Hosting;

/// <summary>
/// A healthy runtime deciding over HTTP with its agent token leaves no authentication failure in the silo's log (it
/// logged "MeshApiToken was not authenticated. Failure message: malformed token" for every decision); a refused
/// operator token is still logged, as a warning with its public id and never its secret.
/// </summary>
public sealed class AuthenticationLoggingTests
{
    [Fact]
    public async Task Runtime_calls_with_an_agent_token_log_no_authentication_failure_and_a_refused_operator_token_is_a_warning()
    {
        await using var silo = await HttpSiloProcess.StartAsync(environment: new() { ["Logging__LogLevel__Default"] = "Information" });
        var agentToken = await silo.AgentAsync("logs", TestPolicies.AllowAll);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal("allow", await silo.DecideAsync("logs", agentToken, $"r-{i}"));
        }

        using (var agent = silo.Client(agentToken))
        using (var outcome = await agent.PostAsJsonAsync("v1/outcomes", new { requestId = "r-0", agentId = "logs/bot", success = true }))
        {
            Assert.True(outcome.IsSuccessStatusCode, await outcome.Content.ReadAsStringAsync());
        }

        // An operator token of the right shape that the mesh does not know: a real failed login.
        const string TokenId = "0123456789ab";
        const string Secret = "Zm9yZ2VkLXNlY3JldC1vZi1mb3J0eS10aHJlZS1jaGFycw";
        using (var intruder = silo.Client($"mesh_ot_{TokenId}.{Secret[..43]}"))
        using (var refused = await intruder.GetAsync("v1/tenants"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The console logger writes in order: once this line is out, the decisions' lines (if any) are out too.
        await silo.Process.WaitForOutputAsync($"token id {TokenId}", TimeSpan.FromSeconds(30));
        var log = silo.Process.Output;
        Assert.DoesNotContain("was not authenticated", log, StringComparison.Ordinal);
        Assert.DoesNotContain("/v1/decide", log, StringComparison.Ordinal);
        Assert.DoesNotContain("/v1/outcomes", log, StringComparison.Ordinal);
        var lines = log.Split('\n');
        var refusal = Array.FindIndex(lines, line => line.Contains("API token refused", StringComparison.Ordinal));
        Assert.Contains("GET /v1/tenants", lines[refusal], StringComparison.Ordinal);
        Assert.StartsWith("warn: Mesh.Silo.Api.Auth.ApiTokenAuthenticationHandler", lines[refusal - 1], StringComparison.Ordinal);
        Assert.Single(lines, line => line.Contains("API token refused", StringComparison.Ordinal));
        Assert.DoesNotContain(Secret[..43], log, StringComparison.Ordinal);
        Assert.DoesNotContain(agentToken, log, StringComparison.Ordinal);
    }
}
