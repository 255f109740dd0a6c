using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Contracts.Decisions;
using Mesh.Silo.Api.Http;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Api;

/// <summary>The HTTP API serialises <see cref="Decision"/> itself: every field of the contract, in the API's wire names.</summary>
[Collection(ApiCollection.Name)]
public sealed class DecisionJsonTests(ApiFixture api)
{
    [Fact]
    public void A_decision_serialises_every_field_with_the_existing_wire_names()
    {
        var decision = new Decision
        {
            RequestId = "r-1",
            Effect = Effect.RequireApproval,
            Reason = ReasonCode.RateLimited,
            Message = "wait",
            RuleId = "rule",
            PolicyVersion = 3,
            CredentialVersion = 2,
            ApprovalId = "acme/apr-1",
            RetryAfter = TimeSpan.FromMilliseconds(1500),
            DecidedAt = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero),
            MissingEvidence = ["ticket"],
            ResolvedAddresses = ["93.184.216.34"],
            AuditId = "acme/bot#7",
        };

        var json = JsonDocument.Parse(JsonSerializer.Serialize(decision, ApiJson.Options)).RootElement;

        Assert.Equal(
            ["approvalId", "auditId", "credentialVersion", "decidedAt", "effect", "message", "missingEvidence", "policyVersion", "reason", "replayed", "requestId", "resolvedAddresses", "retryAfterSeconds", "ruleId"],
            json.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("require_approval", json.GetProperty("effect").GetString());
        Assert.Equal("rate_limited", json.GetProperty("reason").GetString());
        Assert.Equal(1.5, json.GetProperty("retryAfterSeconds").GetDouble());
        Assert.Equal("93.184.216.34", json.GetProperty("resolvedAddresses")[0].GetString());
        Assert.Equal("ticket", json.GetProperty("missingEvidence")[0].GetString());

        // Optional fields left out are absent (never null), empty lists are empty.
        var bare = JsonDocument.Parse(JsonSerializer.Serialize(Decision.Deny("r-2", ReasonCode.BadToken, "no", decision.DecidedAt), ApiJson.Options)).RootElement;
        Assert.False(bare.TryGetProperty("retryAfterSeconds", out _));
        Assert.Equal("bad_token", bare.GetProperty("reason").GetString());
        Assert.Equal(0, bare.GetProperty("resolvedAddresses").GetArrayLength());
    }

    [Fact]
    public async Task An_http_decide_of_a_url_target_returns_the_checked_addresses_to_pin()
    {
        var tenant = "pin" + Guid.NewGuid().ToString("N")[..8];
        using var admin = api.As("admin");
        await OperatorLockoutTests.PublishAsync(admin, tenant, TestPolicies.Of("""
              - id: example
                effect: allow
                match: { tools: [http], targets: ["https://93.184.216.34/*"] }
            """));
        var (agent, token) = (await OperatorLockoutTests.RegisterAgentsAsync(admin, tenant, 1)).Single();
        using var runtime = api.Mesh.Http();

        using var response = await OperatorLockoutTests.DecideAsync(runtime, agent, token, "http", "request", "https://93.184.216.34/x");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var decision = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("allow", decision.GetProperty("effect").GetString());
        Assert.Equal(["93.184.216.34"], decision.GetProperty("resolvedAddresses").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task The_openapi_document_describes_the_decision_with_resolved_addresses()
    {
        using var client = api.Mesh.Http();
        var document = await client.GetFromJsonAsync<JsonElement>("openapi/v1.json");

        var ok = document.GetProperty("paths").GetProperty("/v1/decide").GetProperty("post").GetProperty("responses").GetProperty("200");
        var reference = ok.GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!;
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty(reference.Split('/')[^1]);
        var properties = schema.GetProperty("properties");
        Assert.True(properties.TryGetProperty("resolvedAddresses", out var resolved), properties.ToString());
        Assert.Equal("array", resolved.GetProperty("type").GetString());
        Assert.True(properties.TryGetProperty("retryAfterSeconds", out var retry), properties.ToString());
        Assert.Contains("number", retry.ToString(), StringComparison.Ordinal);
        Assert.False(properties.TryGetProperty("isAllowed", out _), properties.ToString());
        Assert.False(properties.TryGetProperty("retryAfter", out _), properties.ToString());
    }
}
