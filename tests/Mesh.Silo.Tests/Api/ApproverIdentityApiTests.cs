using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

/// <summary>
/// Over HTTP: token names are unique in their canonical reading, and a vote, the "may I vote" answer and the inbox
/// agree on separation of duties, declared members and tenant-scoped groups.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ApproverIdentityApiTests(ApiFixture api)
{
    [Fact]
    public async Task Votes_and_the_may_vote_answer_compare_canonical_names_declared_members_and_the_tenant()
    {
        var p = "p" + Guid.NewGuid().ToString("N")[..6];
        var tenant = "ident" + Guid.NewGuid().ToString("N")[..8];
        using var admin = api.As("admin");
        using var operatorClient = api.As("operator");
        var policy = $"apiVersion: mesh/v1\nkind: Policy\napprover_groups:\n  finance: [{p}alice, {p}bob, {p}dave, {p}erin]\nrules:\n  - id: pay\n    effect: require_approval\n    approval: {{ groups: [finance] }}\n";
        (await operatorClient.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();

        async Task<HttpClient> TokenAsync(string name, string group)
        {
            using var created = await admin.PostAsJsonAsync("v1/tokens", new { name, roles = new[] { "approver" }, groups = new[] { group } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            return api.Mesh.Http((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString());
        }

        using var alice = await TokenAsync($"{p}alice", $"{tenant}/finance");
        using var upperAlice = await admin.PostAsJsonAsync("v1/tokens", new { name = $"{p.ToUpperInvariant()}ALICE ", roles = new[] { "approver" } });
        using var mallory = await TokenAsync($"{p}mallory", $"{tenant}/finance");
        using var bob = await TokenAsync($"{p}bob", "*/finance");
        using var erin = await TokenAsync($"{p}erin", "globex/finance");
        using var dave = await TokenAsync($"{p}dave", $"{tenant}/finance");

        var registered = await (await operatorClient.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot", owner = $"{p.ToUpperInvariant()}ALICE" })).Content.ReadFromJsonAsync<JsonElement>();
        using var runtime = api.Mesh.Http(registered.GetProperty("token").GetString());
        var decision = await (await runtime.PostAsJsonAsync("v1/decide", new { requestId = "r1", agentId = $"{tenant}/bot", tool = "payments", operation = "transfer", target = "acct-9" })).Content.ReadFromJsonAsync<JsonElement>();
        var approvalPath = "v1/approvals/" + decision.GetProperty("approvalId").GetString();

        // Each refused voter: the vote is 403, /you says no with the same reason, and the inbox says the same.
        async Task<string> RefusedAsync(HttpClient client)
        {
            var you = await client.GetFromJsonAsync<JsonElement>($"{approvalPath}/you");
            var inbox = await client.GetFromJsonAsync<JsonElement>($"v1/approvals?tenant={tenant}");
            using var vote = await client.PostAsJsonAsync($"{approvalPath}/votes", new { approve = true });
            var problem = await vote.Content.ReadFromJsonAsync<JsonElement>();

            Assert.Equal(HttpStatusCode.Forbidden, vote.StatusCode);
            Assert.False(you.GetProperty("mayVote").GetBoolean());
            var reason = you.GetProperty("reason").GetString()!;
            Assert.Equal(reason, inbox.GetProperty("items")[0].GetProperty("you").GetProperty("reason").GetString());
            Assert.Contains(reason, problem.GetRawText().Replace("\\u0027", "'", StringComparison.Ordinal), StringComparison.Ordinal);
            return reason;
        }

        var owner = await RefusedAsync(alice);
        var notMember = await RefusedAsync(mallory);
        var everyTenant = await RefusedAsync(bob);
        var otherTenant = await RefusedAsync(erin);
        var daveMay = await dave.GetFromJsonAsync<JsonElement>($"{approvalPath}/you");
        using var daveVote = await dave.PostAsJsonAsync($"{approvalPath}/votes", new { approve = true });
        var granted = await daveVote.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Conflict, upperAlice.StatusCode);
        Assert.Contains("Separation of duties", owner, StringComparison.Ordinal);
        Assert.Contains("not a declared member", notMember, StringComparison.Ordinal);
        Assert.Contains("for every tenant", everyTenant, StringComparison.Ordinal);
        Assert.Contains("not in an approver group", otherTenant, StringComparison.Ordinal);
        Assert.True(daveMay.GetProperty("mayVote").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, daveVote.StatusCode);
        Assert.Equal("granted", granted.GetProperty("status").GetString());
        Assert.Equal($"{p}dave", Assert.Single(granted.GetProperty("votes").EnumerateArray()).GetProperty("approverId").GetString());
    }
}
