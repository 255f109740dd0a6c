using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

/// <summary>
/// An approval read by a role that cannot vote shows its secrets redacted (the built-in ones and those the tenant's
/// policy names); an approver sees the request in full.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApprovalRedactionApiTests(ApiFixture api)
{
    [Fact]
    public async Task Auditors_and_operators_see_secrets_redacted_and_approvers_see_them_in_full()
    {
        using var operatorClient = api.As("operator");
        var tenant = "redact" + Guid.NewGuid().ToString("N")[..8];
        var policy = "apiVersion: mesh/v1\nkind: Policy\naudit: { secrets: [iban] }\nrules:\n  - id: pay\n    effect: require_approval\n    approval: { groups: [finance] }\n";
        (await operatorClient.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var registered = await (await operatorClient.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot", owner = "someone" })).Content.ReadFromJsonAsync<JsonElement>();
        using var runtime = api.Mesh.Http(registered.GetProperty("token").GetString());
        const string Password = "hunter2hunter2";
        const string Jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";
        var arguments = $$"""{"amount":12,"iban":"DE02120300000000202051","db":{"pwd":"{{Password}}"},"headers":["Accept: */*","Authorization: Bearer {{Jwt}}"]}""";
        var decision = await (await runtime.PostAsJsonAsync("v1/decide", new
        {
            requestId = "r1", agentId = $"{tenant}/bot", tool = "payments", operation = "transfer", target = "acct-9", arguments,
            attributes = new Dictionary<string, string> { ["x-auth"] = Password, ["currency"] = "EUR" },
        })).Content.ReadFromJsonAsync<JsonElement>();
        var approvalPath = "v1/approvals/" + decision.GetProperty("approvalId").GetString();

        var byAuditor = await api.As("auditor").GetFromJsonAsync<JsonElement>(approvalPath);
        var byOperator = await operatorClient.GetFromJsonAsync<JsonElement>(approvalPath);
        var operatorInbox = await operatorClient.GetFromJsonAsync<JsonElement>($"v1/approvals?tenant={tenant}");
        var operatorList = await operatorClient.GetFromJsonAsync<JsonElement>($"v1/tenants/{tenant}/approvals");
        var byApprover = await api.As("approver").GetFromJsonAsync<JsonElement>(approvalPath);

        foreach (var redacted in new[] { byAuditor, byOperator, operatorInbox.GetProperty("items")[0].GetProperty("approval"), operatorList[0] })
        {
            var subject = redacted.GetProperty("subject");
            var shown = JsonDocument.Parse(subject.GetProperty("arguments").GetString()!).RootElement;
            Assert.Equal(12, shown.GetProperty("amount").GetInt32());
            Assert.Equal("[redacted]", shown.GetProperty("iban").GetString());
            Assert.Equal("[redacted]", shown.GetProperty("db").GetProperty("pwd").GetString());
            Assert.Equal("Accept: */*", shown.GetProperty("headers")[0].GetString());
            Assert.Equal("[redacted]", shown.GetProperty("headers")[1].GetString());
            Assert.Equal("[redacted]", subject.GetProperty("attributes").GetProperty("x-auth").GetString());
            Assert.Equal("EUR", subject.GetProperty("attributes").GetProperty("currency").GetString());
            Assert.DoesNotContain(Password, redacted.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(Jwt, redacted.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Equal(arguments, byApprover.GetProperty("subject").GetProperty("arguments").GetString());
        Assert.Equal(Password, byApprover.GetProperty("subject").GetProperty("attributes").GetProperty("x-auth").GetString());
    }
}
