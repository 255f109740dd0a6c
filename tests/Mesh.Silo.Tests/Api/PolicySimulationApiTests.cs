using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

/// <summary>
/// <c>policy simulate</c> compares the candidate with what was actually decided (the audit trail's effect, reason and
/// rule), not with a re-evaluation of the active policy alone.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class PolicySimulationApiTests(ApiFixture api)
{
    private const string AllowGit = "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git\n    effect: allow\n    match: { tools: [git] }\n";
    private const string DenyPush = "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git\n    effect: allow\n    match: { tools: [git] }\n  - id: no-push\n    effect: deny\n    match: { tools: [git], operations: [push] }\n";

    [Fact]
    public async Task A_recorded_credential_revoked_deny_is_not_a_change_and_a_real_change_is_counted_with_both_decisions()
    {
        var tenant = "sim" + Guid.NewGuid().ToString("N")[..8];
        using var ops = api.As("operator");
        (await ops.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(AllowGit, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        (await ops.PostAsJsonAsync("v1/credentials", new { credentialId = $"{tenant}/gh", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        using var registered = await ops.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot", credentials = new[] { $"{tenant}/gh" } });
        registered.EnsureSuccessStatusCode();
        var agentToken = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        Assert.Equal("allow", (await DecideAsync(tenant, agentToken, "allowed")).GetProperty("effect").GetString());
        (await ops.PostAsJsonAsync($"v1/credentials/{tenant}/gh/revoke", new { reason = "leaked" })).EnsureSuccessStatusCode();
        Assert.Equal("credential_revoked", (await DecideAsync(tenant, agentToken, "revoked")).GetProperty("reason").GetString());

        var report = await SimulateAsync(tenant, new { candidate = DenyPush, since = "2020-01-01T00:00:00Z" });

        Assert.Equal(2, report.GetProperty("requests").GetInt32());
        Assert.Equal(1, report.GetProperty("changed").GetInt32());
        Assert.Equal(1, report.GetProperty("unchanged").GetInt32());
        Assert.Equal(1, report.GetProperty("decidedOutsidePolicy").GetInt32());
        Assert.Equal(0, report.GetProperty("comparedWithActivePolicy").GetInt32());
        var change = Assert.Single(report.GetProperty("changes").EnumerateArray());
        Assert.Equal("allowed", change.GetProperty("requestId").GetString());
        var recorded = change.GetProperty("recorded");
        Assert.Equal(("allow", "policy", "git", "audit"), (recorded.GetProperty("effect").GetString(), recorded.GetProperty("reason").GetString(), recorded.GetProperty("ruleId").GetString(), recorded.GetProperty("source").GetString()));
        var candidate = change.GetProperty("candidate");
        Assert.Equal(("deny", "policy", "no-push"), (candidate.GetProperty("effect").GetString(), candidate.GetProperty("reason").GetString(), candidate.GetProperty("ruleId").GetString()));
        Assert.False(candidate.TryGetProperty("source", out _), "The candidate's decision has no source: " + change);
    }

    [Fact]
    public async Task Requests_replayed_from_a_file_compare_with_their_recorded_decision_or_else_with_the_active_policy()
    {
        var tenant = "simf" + Guid.NewGuid().ToString("N")[..8];
        using var ops = api.As("operator");
        (await ops.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(AllowGit, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        object Request(string id, object? recorded) => new { requestId = id, agentId = $"{tenant}/bot", tool = "git", operation = "push", recorded };

        var report = await SimulateAsync(tenant, new
        {
            candidate = DenyPush,
            requests = new[]
            {
                Request("paused", new { effect = "deny", reason = "agent_paused" }),
                Request("was-allowed", new { effect = "allow", reason = "policy", ruleId = "git" }),
                Request("no-record", null),
            },
        });

        Assert.Equal((3, 2, 1, 1), (report.GetProperty("requests").GetInt32(), report.GetProperty("changed").GetInt32(), report.GetProperty("decidedOutsidePolicy").GetInt32(), report.GetProperty("comparedWithActivePolicy").GetInt32()));
        var changes = report.GetProperty("changes").EnumerateArray().ToArray();
        Assert.Equal(["was-allowed", "no-record"], changes.Select(c => c.GetProperty("requestId").GetString()));
        Assert.Equal("request", changes[0].GetProperty("recorded").GetProperty("source").GetString());
        Assert.Equal("active_policy", changes[1].GetProperty("recorded").GetProperty("source").GetString());
        Assert.Equal("allow", changes[1].GetProperty("recorded").GetProperty("effect").GetString());
    }

    [Fact]
    public async Task A_recorded_decision_with_an_unknown_reason_is_refused()
    {
        using var ops = api.As("operator");

        using var response = await ops.PostAsJsonAsync("v1/tenants/simbad/policy/simulate", new
        {
            candidate = AllowGit,
            requests = new[] { new { requestId = "r", agentId = "simbad/bot", tool = "git", operation = "push", recorded = new { effect = "deny", reason = "because" } } },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("recorded.reason 'because'", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<JsonElement> DecideAsync(string tenant, string agentToken, string requestId)
    {
        using var runtime = api.Mesh.Http(agentToken);
        using var response = await runtime.PostAsJsonAsync("v1/decide", new { requestId, agentId = $"{tenant}/bot", tool = "git", operation = "push", credentialId = $"{tenant}/gh" });
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement> SimulateAsync(string tenant, object body)
    {
        using var auditor = api.As("auditor");
        using var response = await auditor.PostAsJsonAsync($"v1/tenants/{tenant}/policy/simulate", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"simulate: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
