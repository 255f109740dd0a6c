using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

/// <summary>The calls the web console is built on: who am I, tenants, credentials, the approvals inbox, recent decisions.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConsoleApiTests(ApiFixture api)
{
    // A clean session may read files; posting to the web needs finance's approval, and says why.
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: read
            effect: allow
            match: { tools: [files] }
          - id: post
            description: Posting to the web needs finance.
            effect: require_approval
            match: { tools: [http] }
            approval: { groups: [finance] }
        """;

    // A public address literal: the guard checks it without a name lookup.
    private const string Target = "https://93.184.216.34/upload";

    private static string NewTenant(string prefix) => prefix + Guid.NewGuid().ToString("N")[..8];

    private async Task<string> PublishAsync(string tenant)
    {
        using var operatorClient = api.As("operator");
        (await operatorClient.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(Policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        return tenant;
    }

    private async Task<HttpClient> RegisterAsync(string agentId, string owner)
    {
        using var operatorClient = api.As("operator");
        using var response = await operatorClient.PostAsJsonAsync("v1/agents", new { agentId, owner });
        response.EnsureSuccessStatusCode();
        return api.Mesh.Http((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
    }

    private static async Task<JsonElement> DecideAsync(HttpClient runtime, object request)
    {
        using var response = await runtime.PostAsJsonAsync("v1/decide", request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    // Reads confidential data in a session, then asks to post from it: the approval is asked with the session's labels.
    private async Task<string> AskForApprovalAsync(string tenant, string agent, string owner)
    {
        var agentId = $"{tenant}/{agent}";
        using var runtime = await RegisterAsync(agentId, owner);
        var read = await DecideAsync(runtime, new { requestId = "read-1", agentId, tool = "files", operation = "read", target = "report.pdf", sessionId = "s1", dataLabels = new[] { "confidential" } });
        var post = await DecideAsync(runtime, new { requestId = "post-1", agentId, tool = "http", operation = "post", target = Target, sessionId = "s1", arguments = "{\"secret\":\"do-not-show\"}" });
        Assert.Equal("allow", read.GetProperty("effect").GetString());
        Assert.Equal("require_approval", post.GetProperty("effect").GetString());
        return post.GetProperty("approvalId").GetString()!;
    }

    private static JsonElement ItemFor(JsonElement inbox, string approvalId) =>
        inbox.GetProperty("items").EnumerateArray().Single(i => i.GetProperty("approval").GetProperty("approvalId").GetString() == approvalId);

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public async Task Me_shows_each_token_its_name_roles_groups_and_permissions()
    {
        using var approver = api.As("approver");
        using var auditor = api.As("auditor");
        using var admin = api.As("admin");
        using var anonymous = api.Mesh.Http();

        var approverMe = await approver.GetFromJsonAsync<JsonElement>("v1/me");
        var auditorMe = await auditor.GetFromJsonAsync<JsonElement>("v1/me");
        var adminMe = await admin.GetFromJsonAsync<JsonElement>("v1/me");
        using var noToken = await anonymous.GetAsync("v1/me");

        Assert.Equal("approver-user", approverMe.GetProperty("name").GetString());
        Assert.Equal(api.Tokens["approver"]["mesh_ot_".Length..api.Tokens["approver"].IndexOf('.', StringComparison.Ordinal)], approverMe.GetProperty("tokenId").GetString());
        Assert.Equal(["approver"], Strings(approverMe.GetProperty("roles")));
        Assert.Equal(["finance"], Strings(approverMe.GetProperty("groups")));
        Assert.Equal(["read-approvals", "vote"], Strings(approverMe.GetProperty("permissions")));
        Assert.Equal(["read", "read-approvals", "audit"], Strings(auditorMe.GetProperty("permissions")));
        Assert.Equal(["read", "operate", "read-approvals", "vote", "admin", "audit"], Strings(adminMe.GetProperty("permissions")));
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal("application/problem+json", noToken.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Tenants_are_listed_once_touched_sorted_by_id_and_not_to_approvers()
    {
        using var operatorClient = api.As("operator");
        var byAgent = NewTenant("tz");
        var byCredential = NewTenant("tb");
        var byPause = NewTenant("tc");
        var byPolicy = NewTenant("ta");
        (await operatorClient.PostAsJsonAsync("v1/agents", new { agentId = $"{byAgent}/bot" })).EnsureSuccessStatusCode();
        (await operatorClient.PostAsJsonAsync("v1/credentials", new { credentialId = $"{byCredential}/key", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        (await operatorClient.PostAsJsonAsync($"v1/tenants/{byPause}/pause", new { reason = "drill" })).EnsureSuccessStatusCode();
        await PublishAsync(byPolicy);
        var untouched = NewTenant("tu");
        (await operatorClient.GetAsync($"v1/tenants/{untouched}")).EnsureSuccessStatusCode();

        var tenants = await api.As("auditor").GetFromJsonAsync<JsonElement>("v1/tenants");
        using var approverCall = await api.As("approver").GetAsync("v1/tenants");

        var ids = tenants.EnumerateArray().Select(t => t.GetProperty("tenantId").GetString()!).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(new[] { byAgent, byCredential, byPause, byPolicy }, tenant => Assert.Contains(tenant, ids));
        Assert.DoesNotContain(untouched, ids);
        Assert.True(tenants.EnumerateArray().Single(t => t.GetProperty("tenantId").GetString() == byPause).GetProperty("paused").GetBoolean());
        Assert.Equal(1, tenants.EnumerateArray().Single(t => t.GetProperty("tenantId").GetString() == byPolicy).GetProperty("activePolicyVersion").GetInt64());
        Assert.Equal(HttpStatusCode.Forbidden, approverCall.StatusCode);
    }

    [Fact]
    public async Task A_tenants_credentials_are_listed_sorted_by_id_with_their_status()
    {
        using var operatorClient = api.As("operator");
        var tenant = NewTenant("cred");
        foreach (var name in new[] { "zeta", "alpha" })
        {
            (await operatorClient.PostAsJsonAsync("v1/credentials", new { credentialId = $"{tenant}/{name}", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        }

        (await operatorClient.PostAsJsonAsync($"v1/credentials/{tenant}/zeta/revoke", new { reason = "leaked" })).EnsureSuccessStatusCode();
        (await operatorClient.PostAsJsonAsync("v1/credentials", new { credentialId = $"{NewTenant("other")}/alpha", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();

        var credentials = await api.As("auditor").GetFromJsonAsync<JsonElement>($"v1/tenants/{tenant}/credentials");
        using var approverCall = await api.As("approver").GetAsync($"v1/tenants/{tenant}/credentials");
        using var badTenant = await operatorClient.GetAsync("v1/tenants/Not_A_Tenant/credentials");

        Assert.Equal([$"{tenant}/alpha", $"{tenant}/zeta"], credentials.EnumerateArray().Select(c => c.GetProperty("credentialId").GetString()!).ToArray());
        Assert.Equal(["active", "revoked"], credentials.EnumerateArray().Select(c => c.GetProperty("status").GetString()!).ToArray());
        Assert.Equal(HttpStatusCode.Forbidden, approverCall.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badTenant.StatusCode);
    }

    [Fact]
    public async Task The_inbox_lists_pending_approvals_oldest_first_and_tells_each_caller_whether_they_may_vote()
    {
        var tenant = await PublishAsync(NewTenant("inbox"));
        var first = await AskForApprovalAsync(tenant, "mine", owner: "approver-user");
        var second = await AskForApprovalAsync(tenant, "theirs", owner: "someone-else");
        using var approver = api.As("approver");

        var asApprover = await approver.GetFromJsonAsync<JsonElement>($"v1/approvals?tenant={tenant}");
        var asAuditor = await api.As("auditor").GetFromJsonAsync<JsonElement>($"v1/approvals?tenant={tenant}");
        var asAdmin = await api.As("admin").GetFromJsonAsync<JsonElement>("v1/approvals");

        Assert.True(asApprover.GetProperty("serverTime").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
        Assert.Equal([first, second], asApprover.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("approval").GetProperty("approvalId").GetString()!).ToArray());
        var opened = asAdmin.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("approval").GetProperty("openedAt").GetDateTimeOffset()).ToList();
        Assert.Equal(opened.Order(), opened);

        // Separation of duties: the owner of the requesting agent may not vote; another approver in the group may.
        var own = ItemFor(asApprover, first).GetProperty("you");
        Assert.False(own.GetProperty("mayVote").GetBoolean());
        Assert.StartsWith("Separation of duties: 'approver-user' owns the requesting agent", own.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var other = ItemFor(asApprover, second).GetProperty("you");
        Assert.True(other.GetProperty("mayVote").GetBoolean());
        Assert.Equal(JsonValueKind.Null, other.GetProperty("reason").ValueKind);

        var auditorYou = ItemFor(asAuditor, second).GetProperty("you");
        Assert.False(auditorYou.GetProperty("mayVote").GetBoolean());
        Assert.Equal("Your role (auditor) cannot vote on approvals.", auditorYou.GetProperty("reason").GetString());

        // The admin may vote by role, but its token is in no approver group.
        var adminYou = ItemFor(asAdmin, second).GetProperty("you");
        Assert.False(adminYou.GetProperty("mayVote").GetBoolean());
        Assert.Contains("is not in an approver group of this approval (finance)", adminYou.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_approval_shows_the_session_labels_the_rule_description_and_the_checked_addresses()
    {
        var tenant = await PublishAsync(NewTenant("subj"));
        var approvalId = await AskForApprovalAsync(tenant, "bot", owner: "someone-else");
        using var approver = api.As("approver");

        var view = await approver.GetFromJsonAsync<JsonElement>($"v1/approvals/{approvalId}");
        var inboxed = ItemFor(await approver.GetFromJsonAsync<JsonElement>($"v1/approvals?tenant={tenant}"), approvalId).GetProperty("approval");
        var listed = (await approver.GetFromJsonAsync<JsonElement>($"v1/tenants/{tenant}/approvals"))[0];

        foreach (var approval in new[] { view, inboxed, listed })
        {
            var subject = approval.GetProperty("subject");
            Assert.Equal(["confidential"], Strings(subject.GetProperty("sessionLabels")));
            Assert.Equal("Posting to the web needs finance.", subject.GetProperty("ruleDescription").GetString());
            Assert.Equal(["93.184.216.34"], Strings(subject.GetProperty("resolvedAddresses")));
            Assert.Equal(["finance"], Strings(approval.GetProperty("eligibleGroups")));
        }
    }

    [Fact]
    public async Task You_for_one_approval_follows_its_votes_and_an_unknown_approval_is_404()
    {
        var tenant = await PublishAsync(NewTenant("you"));
        var approvalId = await AskForApprovalAsync(tenant, "bot", owner: "someone-else");
        using var approver = api.As("approver");

        var before = await approver.GetFromJsonAsync<JsonElement>($"v1/approvals/{approvalId}/you");
        (await approver.PostAsJsonAsync($"v1/approvals/{approvalId}/votes", new { approve = true })).EnsureSuccessStatusCode();
        var after = await approver.GetFromJsonAsync<JsonElement>($"v1/approvals/{approvalId}/you");
        var operatorYou = await api.As("operator").GetFromJsonAsync<JsonElement>($"v1/approvals/{approvalId}/you");
        using var unknown = await approver.GetAsync($"v1/approvals/{tenant}/apr-none/you");
        var inbox = await approver.GetFromJsonAsync<JsonElement>($"v1/approvals?tenant={tenant}");

        Assert.True(before.GetProperty("mayVote").GetBoolean());
        Assert.False(after.GetProperty("mayVote").GetBoolean());
        Assert.Equal($"Approval '{approvalId}' is granted; votes are no longer accepted.", after.GetProperty("reason").GetString());
        Assert.Equal("Your role (operator) cannot vote on approvals.", operatorYou.GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Empty(inbox.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task The_inbox_refuses_unknown_parameters_and_invalid_tenants()
    {
        using var approver = api.As("approver");

        using var unknown = await approver.GetAsync("v1/approvals?tenants=acme");
        using var invalid = await approver.GetAsync("v1/approvals?tenant=Not_Valid");
        using var twice = await approver.GetAsync("v1/approvals?tenant=a&tenant=b");

        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("tenants", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, twice.StatusCode);
    }

    [Fact]
    public async Task An_agents_recent_decisions_are_newest_first_without_arguments_and_approvers_may_read_them()
    {
        var tenant = await PublishAsync(NewTenant("dec"));
        var agentId = $"{tenant}/bot";
        using var runtime = await RegisterAsync(agentId, owner: "someone-else");
        var allowed = await DecideAsync(runtime, new { requestId = "r1", agentId, tool = "files", operation = "read", target = "a.txt", arguments = "{\"secret\":\"do-not-show\"}" });
        var denied = await DecideAsync(runtime, new { requestId = "r2", agentId, tool = "shell", operation = "exec", target = "rm -rf /" });
        var asked = await DecideAsync(runtime, new { requestId = "r3", agentId, tool = "http", operation = "post", target = Target, evidence = new Dictionary<string, string> { ["ticket"] = "hidden-evidence" } });
        using var approver = api.As("approver");

        using var response = await approver.GetAsync($"v1/agents/{agentId}/decisions?limit=2");
        var body = await response.Content.ReadAsStringAsync();
        var all = await approver.GetFromJsonAsync<JsonElement>($"v1/agents/{agentId}/decisions");
        var decisions = JsonDocument.Parse(body).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, decisions.GetArrayLength());
        Assert.Equal(3, all.GetArrayLength());
        var newest = decisions[0];
        Assert.Equal(asked.GetProperty("auditId").GetString(), newest.GetProperty("auditId").GetString());
        Assert.Equal("r3", newest.GetProperty("requestId").GetString());
        Assert.Equal("http", newest.GetProperty("tool").GetString());
        Assert.Equal("post", newest.GetProperty("operation").GetString());
        Assert.Equal(Target, newest.GetProperty("target").GetString());
        Assert.Equal("require_approval", newest.GetProperty("effect").GetString());
        Assert.Equal("post", newest.GetProperty("ruleId").GetString());
        Assert.Equal(asked.GetProperty("approvalId").GetString(), newest.GetProperty("approvalId").GetString());
        Assert.False(string.IsNullOrEmpty(newest.GetProperty("message").GetString()));
        Assert.True(newest.GetProperty("time").GetDateTimeOffset() > DateTimeOffset.UnixEpoch);
        Assert.Equal(denied.GetProperty("auditId").GetString(), decisions[1].GetProperty("auditId").GetString());
        Assert.Equal("deny", decisions[1].GetProperty("effect").GetString());
        Assert.Equal(JsonValueKind.Null, decisions[1].GetProperty("ruleId").ValueKind);
        Assert.Equal(allowed.GetProperty("auditId").GetString(), all[2].GetProperty("auditId").GetString());
        Assert.DoesNotContain("do-not-show", body, StringComparison.Ordinal);
        Assert.DoesNotContain("hidden-evidence", body, StringComparison.Ordinal);
        Assert.DoesNotContain("arguments", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("do-not-show", all.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=101")]
    [InlineData("limit=abc")]
    [InlineData("limit=-1")]
    [InlineData("max=5")]
    public async Task Bad_decision_queries_are_400(string query)
    {
        var tenant = NewTenant("badq");
        using var operatorClient = api.As("operator");
        (await operatorClient.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot" })).EnsureSuccessStatusCode();

        using var response = await api.As("approver").GetAsync($"v1/agents/{tenant}/bot/decisions?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Decisions_of_an_unknown_agent_are_404()
    {
        using var response = await api.As("approver").GetAsync($"v1/agents/{NewTenant("none")}/ghost/decisions");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
