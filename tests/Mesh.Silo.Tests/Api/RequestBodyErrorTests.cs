using System.Net;
using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

/// <summary>A refused request body names the field (its JSON path) and the problem, never a .NET type of Mesh.</summary>
[Collection(ApiCollection.Name)]
public sealed class RequestBodyErrorTests(ApiFixture api)
{
    public static TheoryData<string, string, string, string> Cases() => new()
    {
        // endpoint, body, code, the detail (exactly)
        { "v1/decide", """{"agentId":"errs/bot","operation":"push"}""", "malformed_json", "$.requestId, $.tool: required fields are missing." },
        { "v1/decide", """{"requestId":"r1","agentId":"errs/bot","operation":"push"}""", "malformed_json", "$.tool: required field is missing." },
        { "v1/decide", """{"requestId":"r1","agentId":"errs/bot","tool":5,"operation":"push"}""", "malformed_json", "$.tool: must be a string, not the number 5." },
        { "v1/decide", """{"requestId":null,"agentId":"errs/bot","tool":"git","operation":"push"}""", "malformed_json", "$.requestId: must not be null; send a string." },
        { "v1/decide", """{"requestId":"r1","agentId":"errs/bot","tool":"git","operation":"push","dataLabels":[1]}""", "malformed_json", "$.dataLabels[0]: must be a string, not the number 1." },
        { "v1/decide", """{"requestId":"r1","agentId":"errs/bot","tool":"git","operation":"push","attributes":{"a":{}}}""", "malformed_json", "$.attributes.a: must be a string, not an object." },
        { "v1/decide", """{"requestId":"r1","agentId":"errs/bot","tool":"git","Tool":"rm","operation":"push"}""", "malformed_json", "$.Tool: the field is given more than once; send each field once." },
        { "v1/decide", """{"requestId":"r1","agentId":"errs/bot","tool":"git","operation":"push","isAdmin":true}""", "unknown_field", "$.isAdmin: unknown field 'isAdmin'; the fields here are requestId, agentId, tool, operation, target, credentialId, dataLabels, workflow, sessionId, attributes, evidence, argumentsDigest, arguments, approvalId." },
        { "v1/decide", """["requestId"]""", "malformed_json", "$: must be an object, not a list." },
        { "v1/decide", """{"requestId":"r1",""", "malformed_json", "The body cannot be read as JSON at line 1, byte 18: Expected start of a property name or value, but instead reached end of data." },
        { "v1/decide", "{\"unknown\":" + new string('[', 100) + new string(']', 100) + "}", "unknown_field", "$.unknown: unknown field 'unknown'; the fields here are requestId, agentId, tool, operation, target, credentialId, dataLabels, workflow, sessionId, attributes, evidence, argumentsDigest, arguments, approvalId." },
        { "v1/decide", new string('[', 100) + new string(']', 100), "malformed_json", "The body cannot be read as JSON at line 1, byte 17: The maximum configured depth of 16 has been exceeded. Cannot read next JSON array." },
        { "v1/agents", """{"agentId":"errs/bot","rateLimit":{"per":"1s"}}""", "malformed_json", "$.rateLimit.permits: required field is missing." },
        { "v1/agents", """{"agentId":"errs/bot","toolRateLimits":{"git":{"permits":"ten","per":"1s"}}}""", "malformed_json", "$.toolRateLimits.git.permits: must be a whole number, not the string \"ten\"." },
        { "v1/tokens", """{"name":"x","roles":["root"]}""", "malformed_json", "$.roles[0]: must be one of admin, operator, approver, auditor, not the string \"root\"." },
        { "v1/credentials", """{"credentialId":"errs/c","expiresAt":"tomorrow"}""", "malformed_json", "$.expiresAt: must be an ISO 8601 time such as 2026-01-31T12:00:00Z, not the string \"tomorrow\"." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_refused_body_names_the_field_and_the_problem(string endpoint, string body, string code, string detail)
    {
        using var admin = api.As("admin");
        // The decide endpoint reads the body before it checks the agent token, so any bearer value reaches it.
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

        using var response = await admin.SendAsync(request);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
        Assert.DoesNotContain("Mesh.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
    }
}
