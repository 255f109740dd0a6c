using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Audit;

/// <summary>The audit API over real loopback HTTP: search, filters, validation, who may read, verification, checkpoints.</summary>
[Collection(AuditCollection.Name)]
public sealed class AuditApiTests(AuditFixture mesh)
{
    internal const string GitPolicy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: git
            effect: allow
            match: { tools: [git] }
          - id: no-shell
            effect: deny
            match: { tools: [shell] }
        """;

    [Fact]
    public async Task Query_returns_the_decisions_a_runtime_made_with_every_recorded_field()
    {
        var (tenant, token) = await mesh.TenantAsync("aq", GitPolicy);
        await mesh.DecideAsync(tenant, token, "r-1", "git", "pull", "github.com/acme/app",
            new { dataLabels = new[] { "internal" }, workflow = "release", sessionId = "s-1", attributes = new Dictionary<string, string> { ["branch"] = "main" } });
        await mesh.DecideAsync(tenant, token, "r-2", "shell", "exec", "ls");
        await mesh.DecideAsync(tenant, token, "r-3", "git", "push", "github.com/acme/app");

        var page = await mesh.RecordsAsync($"tenant={tenant}&kind=decision");
        var records = page.GetProperty("records").EnumerateArray().ToArray();

        Assert.Equal(["r-1", "r-2", "r-3"], records.Select(r => r.GetProperty("requestId").GetString()));
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next").ValueKind);
        var first = records[0];
        Assert.Equal($"{tenant}/bot#1", first.GetProperty("id").GetString());
        Assert.Equal($"{tenant}/bot", first.GetProperty("stream").GetString());
        Assert.Equal(1, first.GetProperty("sequence").GetInt64());
        Assert.Equal("decision", first.GetProperty("kind").GetString());
        Assert.Equal(tenant, first.GetProperty("tenant").GetString());
        Assert.Equal($"{tenant}/bot", first.GetProperty("actor").GetString());
        Assert.Equal($"{tenant}/bot", first.GetProperty("agentId").GetString());
        Assert.Equal("allow", first.GetProperty("effect").GetString());
        Assert.Equal("policy", first.GetProperty("reason").GetString());
        Assert.Equal("git", first.GetProperty("ruleId").GetString());
        Assert.Equal(1, first.GetProperty("policyVersion").GetInt64());
        Assert.False(string.IsNullOrEmpty(first.GetProperty("message").GetString()));
        var request = first.GetProperty("request");
        Assert.Equal("git", request.GetProperty("tool").GetString());
        Assert.Equal("pull", request.GetProperty("operation").GetString());
        Assert.Equal("github.com/acme/app", request.GetProperty("target").GetString());
        Assert.Equal("release", request.GetProperty("workflow").GetString());
        Assert.Equal("s-1", request.GetProperty("sessionId").GetString());
        Assert.Equal(["internal"], request.GetProperty("dataLabels").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("main", request.GetProperty("attributes").GetProperty("branch").GetString());
        Assert.Equal(new string('0', 64), first.GetProperty("previousHash").GetString());
        Assert.Equal("deny", records[1].GetProperty("effect").GetString());
        Assert.Equal("no-shell", records[1].GetProperty("ruleId").GetString());

        // Each record is chained to the one before it, and the cursors grow.
        for (var i = 1; i < records.Length; i++)
        {
            Assert.Equal(records[i - 1].GetProperty("hash").GetString(), records[i].GetProperty("previousHash").GetString());
            Assert.True(records[i].GetProperty("cursor").GetInt64() > records[i - 1].GetProperty("cursor").GetInt64());
            Assert.Matches("^[0-9a-f]{64}$", records[i].GetProperty("hash").GetString());
        }
    }

    [Fact]
    public async Task Filters_narrow_the_search_and_pages_follow_the_cursor()
    {
        var (tenant, token) = await mesh.TenantAsync("af", GitPolicy);
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        await mesh.DecideAsync(tenant, token, "f-1", "git", "pull");
        await mesh.DecideAsync(tenant, token, "f-2", "shell", "exec");
        await mesh.DecideAsync(tenant, token, "f-3", "git", "push");
        await mesh.DecideAsync(tenant, token, "f-4", "deploy", "run");
        var agent = Uri.EscapeDataString($"{tenant}/bot");

        static string[] Requests(JsonElement page) => [.. page.GetProperty("records").EnumerateArray().Select(r => r.GetProperty("requestId").GetString()!)];

        Assert.Equal(["f-2", "f-4"], Requests(await mesh.RecordsAsync($"tenant={tenant}&effect=deny")));
        Assert.Equal(["f-4"], Requests(await mesh.RecordsAsync($"tenant={tenant}&reason=default")));
        Assert.Equal(["f-3"], Requests(await mesh.RecordsAsync($"agent={agent}&requestId=f-3")));
        Assert.Equal(["f-1", "f-2", "f-3", "f-4"], Requests(await mesh.RecordsAsync($"stream={agent}&kind=decision,outcome")));
        Assert.Equal(["f-1", "f-2", "f-3", "f-4"], Requests(await mesh.RecordsAsync($"stream={agent}&kind=decision&kind=outcome&from={Uri.EscapeDataString(started.ToString("O"))}")));
        Assert.Empty(Requests(await mesh.RecordsAsync($"tenant={tenant}&from=2999-01-01T00:00:00Z")));
        Assert.Empty(Requests(await mesh.RecordsAsync($"tenant={tenant}&to={Uri.EscapeDataString(started.ToString("O"))}")));
        Assert.Empty(Requests(await mesh.RecordsAsync($"tenant={tenant}&kind=policy_change&agent={agent}")));
        Assert.Equal(["f-4", "f-3"], Requests(await mesh.RecordsAsync($"tenant={tenant}&kind=decision&order=desc&limit=2")));

        var first = await mesh.RecordsAsync($"tenant={tenant}&kind=decision&limit=3");
        Assert.Equal(["f-1", "f-2", "f-3"], Requests(first));
        var second = await mesh.RecordsAsync($"tenant={tenant}&kind=decision&limit=3&after={first.GetProperty("next").GetInt64()}");
        Assert.Equal(["f-4"], Requests(second));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
    }

    [Theory]
    [InlineData("kind=decisions", "kind 'decisions'")]
    [InlineData("kind=decision,nope", "kind 'nope'")]
    [InlineData("effect=maybe", "effect 'maybe'")]
    [InlineData("reason=because", "reason 'because'")]
    [InlineData("from=yesterday", "from 'yesterday'")]
    [InlineData("to=2025-13-45T00:00:00Z", "to '2025-13-45T00:00:00Z'")]
    [InlineData("from=2025-06-02T00:00:00Z&to=2025-06-01T00:00:00Z", "from must be before to")]
    [InlineData("limit=0", "limit '0'")]
    [InlineData("limit=10001", "limit '10001'")]
    [InlineData("limit=ten", "limit 'ten'")]
    [InlineData("limit=1&limit=2", "limit is given 2 times")]
    [InlineData("after=-1", "after '-1'")]
    [InlineData("order=sideways", "order 'sideways'")]
    [InlineData("agnet=acme/bot", "Unknown query parameter 'agnet'")]
    [InlineData("agent=no-slash", "not a valid agent id")]
    [InlineData("tenant=Not_A_Tenant", "not a valid tenant id")]
    public async Task Bad_filters_are_a_400_problem_that_names_the_parameter(string query, string expected)
    {
        using var client = mesh.As("auditor");

        using var response = await client.GetAsync("v1/audit/records?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(problem.GetProperty("code").GetString(), new[] { "invalid_argument", "invalid_id" });
        Assert.Contains(expected, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tail_and_export_validate_their_filters_before_streaming()
    {
        using var client = mesh.As("auditor");

        using var tail = await client.GetAsync("v1/audit/tail?kind=nope", HttpCompletionOption.ResponseHeadersRead);
        using var export = await client.GetAsync("v1/audit/export?limit=5");

        Assert.Equal(HttpStatusCode.BadRequest, tail.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, export.StatusCode);
        Assert.Contains("limit", (await export.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Endpoints() => new()
    {
        { "GET", "v1/audit/records" },
        { "GET", "v1/audit/tail" },
        { "GET", "v1/audit/export?tenant=nobody" },
        { "POST", "v1/audit/verify?stream=nobody" },
        { "POST", "v1/audit/checkpoints" },
        { "GET", "v1/audit/key" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Only_admins_and_auditors_may_use_the_audit_api(string method, string path)
    {
        using var http = mesh.Mesh.Http();
        foreach (var (role, expected) in new (string?, HttpStatusCode)[]
        {
            ("admin", HttpStatusCode.OK), ("auditor", HttpStatusCode.OK),
            ("operator", HttpStatusCode.Forbidden), ("approver", HttpStatusCode.Forbidden), (null, HttpStatusCode.Unauthorized),
        })
        {
            // Headers only: a tail an auditor may open never ends by itself.
            using var response = await http.SendAsync(mesh.Request(new HttpMethod(method), path, role), HttpCompletionOption.ResponseHeadersRead);
            Assert.True(expected == response.StatusCode, $"{role ?? "no token"} {method} {path}: expected {(int)expected}, got {(int)response.StatusCode}");
            if (expected != HttpStatusCode.OK)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }
    }

    [Fact]
    public async Task A_checkpoint_signed_on_demand_is_verified_with_the_published_key()
    {
        var (tenant, token) = await mesh.TenantAsync("ac", GitPolicy);
        await mesh.DecideAsync(tenant, token, "c-1", "git", "pull");
        using var auditor = mesh.As("auditor");

        var signed = await (await auditor.PostAsync("v1/audit/checkpoints", null)).Content.ReadFromJsonAsync<JsonElement>();
        var again = await (await auditor.PostAsync("v1/audit/checkpoints", null)).Content.ReadFromJsonAsync<JsonElement>();
        var key = await auditor.GetFromJsonAsync<JsonElement>("v1/audit/key");
        var all = await (await auditor.PostAsync("v1/audit/verify", null)).Content.ReadFromJsonAsync<JsonElement>();
        var one = await (await auditor.PostAsync($"v1/audit/verify?stream={Uri.EscapeDataString($"{tenant}/bot")}", null)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.True(signed.GetProperty("signed").GetBoolean());
        Assert.True(signed.GetProperty("streams").GetInt32() >= 1);
        Assert.False(again.GetProperty("signed").GetBoolean());
        Assert.Equal(key.GetProperty("keyId").GetString(), signed.GetProperty("keyId").GetString());
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", key.GetProperty("publicKeyPem").GetString(), StringComparison.Ordinal);
        Assert.True(all.GetProperty("ok").GetBoolean(), all.ToString());
        Assert.Empty(all.GetProperty("problems").EnumerateArray());
        Assert.True(all.GetProperty("checkpoints").GetInt32() >= 1);
        Assert.True(one.GetProperty("ok").GetBoolean(), one.ToString());
        Assert.Equal(1, one.GetProperty("streams").GetInt32());
        Assert.Equal(1, one.GetProperty("records").GetInt64());
        Assert.Equal(0, one.GetProperty("unconfirmed").GetInt64());
    }

    [Theory]
    [InlineData("""{"candidate":"apiVersion: mesh/v1\nkind: Policy\nrules: []\n"}""")]
    [InlineData("""{"candidate":"apiVersion: mesh/v1\nkind: Policy\nrules: []\n","requests":[],"since":"2025-01-01T00:00:00Z"}""")]
    public async Task A_simulation_takes_exactly_one_of_requests_and_since(string body)
    {
        using var client = mesh.As("auditor");

        using var response = await client.PostAsync("v1/tenants/acme/policy/simulate", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("exactly one of requests", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
