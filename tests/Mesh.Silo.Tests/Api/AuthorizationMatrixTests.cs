using System.Net;
using System.Text;

namespace Mesh.Silo.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class AuthorizationMatrixTests(ApiFixture api)
{
    private const string Json = "application/json";

    // Every operator endpoint with a request it accepts, and the roles allowed to call it. Ids need not exist: an
    // authorized call may still be a 404 or 409, but never a 401 or 403.
    public static TheoryData<string, string, string?, string, string> Endpoints()
    {
        const string Read = "admin,operator,auditor";
        const string Operate = "admin,operator";
        const string ReadApprovals = "admin,operator,approver,auditor";
        const string Vote = "admin,approver";
        const string Admin = "admin";
        const string AnyToken = "admin,operator,approver,auditor";
        return new()
        {
            { "GET", "v1/me", null, Json, AnyToken },
            { "GET", "v1/tenants", null, Json, Read },
            { "GET", "v1/tenants/matrix", null, Json, Read },
            { "POST", "v1/tenants/matrix/pause", "{}", Json, Operate },
            { "POST", "v1/tenants/matrix/resume", null, Json, Operate },
            { "PUT", "v1/tenants/matrix/policy", "apiVersion: mesh/v1\nkind: Policy\nrules: []\n", "application/yaml", Operate },
            { "GET", "v1/tenants/matrix/agents", null, Json, Read },
            { "POST", "v1/agents", "{\"agentId\":\"matrix/a\"}", Json, Operate },
            { "GET", "v1/agents/matrix/a", null, Json, Read },
            { "GET", "v1/agents/matrix/a/decisions", null, Json, ReadApprovals },
            { "POST", "v1/agents/matrix/a/pause", "{}", Json, Operate },
            { "POST", "v1/agents/matrix/a/quarantine", "{}", Json, Operate },
            { "POST", "v1/agents/matrix/a/resume", null, Json, Operate },
            { "POST", "v1/agents/matrix/a/token", null, Json, Operate },
            { "POST", "v1/credentials", "{\"credentialId\":\"matrix/c\",\"scopes\":[{\"tools\":[\"git\"]}]}", Json, Operate },
            { "GET", "v1/credentials/matrix/c", null, Json, Read },
            { "GET", "v1/tenants/matrix/credentials", null, Json, Read },
            { "POST", "v1/credentials/matrix/c/suspend", "{}", Json, Operate },
            { "POST", "v1/credentials/matrix/c/resume", null, Json, Operate },
            { "POST", "v1/credentials/matrix/c/rotate", null, Json, Operate },
            { "POST", "v1/credentials/matrix/c/revoke", "{}", Json, Operate },
            { "GET", "v1/tenants/matrix/approvals", null, Json, ReadApprovals },
            { "GET", "v1/approvals", null, Json, ReadApprovals },
            { "GET", "v1/approvals/matrix/apr-1", null, Json, ReadApprovals },
            { "GET", "v1/approvals/matrix/apr-1/you", null, Json, ReadApprovals },
            { "POST", "v1/approvals/matrix/apr-1/votes", "{\"approve\":true}", Json, Vote },
            { "GET", "v1/emergency-stop", null, Json, Read },
            { "POST", "v1/emergency-stop", "{}", Json, Operate },
            { "DELETE", "v1/emergency-stop", null, Json, Operate },
            { "GET", "v1/tokens", null, Json, Admin },
            { "POST", "v1/tokens", "{\"name\":\"x\",\"roles\":[\"auditor\"]}", Json, Admin },
            { "DELETE", "v1/tokens/000000000000", null, Json, Admin },
        };
    }

    private static HttpRequestMessage Request(string method, string path, string? body, string contentType) => new(new HttpMethod(method), path)
    {
        Content = body is null ? null : new StringContent(body, Encoding.UTF8, contentType),
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Each_role_is_allowed_exactly_what_it_may_do(string method, string path, string? body, string contentType, string allowed)
    {
        try
        {
            foreach (var role in new[] { "admin", "operator", "approver", "auditor" })
            {
                using var client = api.As(role);
                using var response = await client.SendAsync(Request(method, path, body, contentType));
                var may = allowed.Split(',').Contains(role);

                if (may)
                {
                    Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden), $"{role} should be allowed {method} {path}, got {(int)response.StatusCode}");
                }
                else
                {
                    Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{role} should be refused {method} {path}, got {(int)response.StatusCode}");
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                }
            }
        }
        finally
        {
            // The matrix engages the emergency stop on the way; never leave it engaged for other tests.
            using var admin = api.As("admin");
            await admin.DeleteAsync("v1/emergency-stop");
        }
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Without_a_token_or_with_a_bad_one_every_endpoint_is_401(string method, string path, string? body, string contentType, string allowed)
    {
        _ = allowed;
        using var anonymous = api.Mesh.Http();
        using var noToken = await anonymous.SendAsync(Request(method, path, body, contentType));
        foreach (var bad in new[] { "mesh_ot_0123456789ab.not-the-secret", "garbage", api.Tokens["admin"] + "x" })
        {
            using var client = api.Mesh.Http(bad);
            using var response = await client.SendAsync(Request(method, path, body, contentType));
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal("application/problem+json", noToken.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", noToken.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revoked_token_stops_working_at_once()
    {
        using var admin = api.As("admin");
        using var created = await admin.PostAsync("v1/tokens", new StringContent("{\"name\":\"temp\",\"roles\":[\"auditor\"]}", Encoding.UTF8, Json));
        var issued = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;
        using var temp = api.Mesh.Http(issued.GetProperty("token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await temp.GetAsync("v1/emergency-stop")).StatusCode);

        await admin.DeleteAsync($"v1/tokens/{issued.GetProperty("info").GetProperty("id").GetString()}");

        Assert.Equal(HttpStatusCode.Unauthorized, (await temp.GetAsync("v1/emergency-stop")).StatusCode);
    }
}
