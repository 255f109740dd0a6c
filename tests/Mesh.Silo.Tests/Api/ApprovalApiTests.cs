using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class ApprovalApiTests(ApiFixture api)
{
    [Fact]
    public async Task An_approver_sees_the_full_request_and_votes_as_itself_and_an_auditor_cannot_vote()
    {
        using var operatorClient = api.As("operator");
        var tenant = "appr" + Guid.NewGuid().ToString("N")[..8];
        var policy = "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: pay\n    effect: require_approval\n    approval: { groups: [finance] }\n";
        (await operatorClient.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var registered = await (await operatorClient.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot", owner = "operator-user" })).Content.ReadFromJsonAsync<JsonElement>();
        using var runtime = api.Mesh.Http(registered.GetProperty("token").GetString());
        var decision = await (await runtime.PostAsJsonAsync("v1/decide", new { requestId = "r1", agentId = $"{tenant}/bot", tool = "payments", operation = "transfer", target = "acct-9", arguments = "{\"amount\":12}" })).Content.ReadFromJsonAsync<JsonElement>();
        var approvalPath = "v1/approvals/" + decision.GetProperty("approvalId").GetString();

        using var approver = api.As("approver");
        var inbox = await approver.GetFromJsonAsync<JsonElement>($"v1/tenants/{tenant}/approvals");
        using var auditorVote = await api.As("auditor").PostAsJsonAsync($"{approvalPath}/votes", new { approve = true });
        using var ownerVote = await operatorClient.PostAsJsonAsync($"{approvalPath}/votes", new { approve = true });
        using var vote = await approver.PostAsJsonAsync($"{approvalPath}/votes", new { approve = true, comment = "fine" });
        var view = await vote.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal("require_approval", decision.GetProperty("effect").GetString());
        Assert.Equal("{\"amount\":12}", inbox[0].GetProperty("subject").GetProperty("arguments").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, auditorVote.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, ownerVote.StatusCode);
        Assert.Equal(HttpStatusCode.OK, vote.StatusCode);
        Assert.Equal("granted", view.GetProperty("status").GetString());
        Assert.Equal("approver-user", view.GetProperty("votes")[0].GetProperty("approverId").GetString());
    }

    [Fact]
    public async Task The_openapi_document_describes_the_api()
    {
        using var anonymous = api.Mesh.Http();

        var document = await anonymous.GetFromJsonAsync<JsonElement>("openapi/v1.json");

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/decide", out var decide));
        Assert.True(decide.GetProperty("post").TryGetProperty("requestBody", out _));
        Assert.True(paths.TryGetProperty("/v1/credentials/{tenant}/{name}/revoke", out _));
    }
}
