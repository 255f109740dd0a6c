using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class HostileInputTests(ApiFixture api)
{
    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }

    public static TheoryData<string, string, string, string, HttpStatusCode, string> Cases()
    {
        var huge = "{\"agentId\":\"hostile/a\",\"owner\":\"" + new string('x', 2_000_000) + "\"}";
        return new()
        {
            { "huge body", "v1/agents", huge, "application/json", HttpStatusCode.RequestEntityTooLarge, "payload_too_large" },
            { "wrong content type", "v1/agents", "{\"agentId\":\"hostile/a\"}", "text/plain", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type" },
            { "form content", "v1/agents", "agentId=hostile/a", "application/x-www-form-urlencoded", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type" },
            { "malformed json", "v1/agents", "{\"agentId\":", "application/json", HttpStatusCode.BadRequest, "malformed_json" },
            { "not an object", "v1/agents", "[1,2,3]", "application/json", HttpStatusCode.BadRequest, "malformed_json" },
            { "unknown field", "v1/agents", "{\"agentId\":\"hostile/a\",\"isAdmin\":true}", "application/json", HttpStatusCode.BadRequest, "unknown_field" },
            { "missing required field", "v1/agents", "{\"roles\":[\"x\"]}", "application/json", HttpStatusCode.BadRequest, "malformed_json" },
            { "traversal in body id", "v1/agents", "{\"agentId\":\"hostile/../../etc/passwd\"}", "application/json", HttpStatusCode.BadRequest, "invalid_id" },
            { "number as role", "v1/tokens", "{\"name\":\"x\",\"roles\":[0]}", "application/json", HttpStatusCode.BadRequest, "malformed_json" },
            { "deeply nested", "v1/agents", "{\"agentId\":\"hostile/a\",\"roles\":" + new string('[', 100) + new string(']', 100) + "}", "application/json", HttpStatusCode.BadRequest, "malformed_json" },
            { "bad rate duration", "v1/agents", "{\"agentId\":\"hostile/a\",\"rateLimit\":{\"permits\":1,\"per\":\"soon\"}}", "application/json", HttpStatusCode.BadRequest, "invalid_argument" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_bodies_get_a_clear_problem_and_change_nothing(string what, string path, string body, string contentType, HttpStatusCode status, string code)
    {
        using var client = api.As("admin");

        using var response = await client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

        Assert.True(status == response.StatusCode, $"{what}: expected {status}, got {response.StatusCode}");
        Assert.Equal(code, (await ProblemAsync(response)).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("v1/agents/hostile/a")).StatusCode);
    }

    [Theory]
    [InlineData("v1/agents/hostile/..%2F..%2Fetc", HttpStatusCode.BadRequest, "invalid_id")]
    [InlineData("v1/agents/Hostile/a", HttpStatusCode.BadRequest, "invalid_id")]
    [InlineData("v1/credentials/hostile/a%20b", HttpStatusCode.BadRequest, "invalid_id")]
    [InlineData("v1/approvals/hostile/apr%3F1", HttpStatusCode.BadRequest, "invalid_id")]
    [InlineData("v1/agents/hostile/%2e%2e", HttpStatusCode.NotFound, "not_found")]
    public async Task Path_traversal_and_malformed_ids_are_refused(string path, HttpStatusCode status, string code)
    {
        using var client = api.As("admin");

        using var response = await client.GetAsync(path);

        // "%2e%2e" is normalised away by the HTTP stack before routing: it names no resource at all.
        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, (await ProblemAsync(response)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_nul_byte_in_the_path_is_refused_by_the_server()
    {
        using var client = api.As("admin");

        using var response = await client.GetAsync("v1/agents/hostile/a%00b");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_paths_are_a_404_problem()
    {
        using var client = api.As("admin");

        using var response = await client.GetAsync("v1/../../etc/passwd");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await ProblemAsync(response);
    }

    [Fact]
    public async Task A_malformed_policy_is_refused_with_its_errors_and_the_active_version_stays()
    {
        using var client = api.As("operator");
        var good = new StringContent("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: a\n    effect: allow\n", Encoding.UTF8, "application/yaml");
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsync("v1/tenants/hostile-policy/policy", good)).StatusCode);

        using var bad = await client.PutAsync("v1/tenants/hostile-policy/policy", new StringContent("apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: a\n    effect: sometimes\n", Encoding.UTF8, "application/yaml"));
        var tenant = await client.GetFromJsonAsync<JsonElement>("v1/tenants/hostile-policy");

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("effect must be allow, deny or require_approval", (await ProblemAsync(bad)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, tenant.GetProperty("activePolicyVersion").GetInt32());
    }
}
