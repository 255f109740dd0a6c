using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Client;
using Mesh.Contracts.Decisions;

namespace Mesh.Silo.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class DecideParityTests(ApiFixture api)
{
    [Fact]
    public async Task The_http_decision_endpoint_answers_exactly_as_the_sdk()
    {
        var tenant = "par" + Guid.NewGuid().ToString("N")[..8];
        using var operatorClient = api.As("operator");
        const string Policy = """
            apiVersion: mesh/v1
            kind: Policy
            rules:
              - id: read
                effect: allow
                match: { tools: [files], operations: [read] }
              - id: no-secrets
                effect: deny
                match: { tools: [files], targets: ["/etc/shadow"] }
              - id: deploys
                effect: require_approval
                match: { tools: [deploy] }
                approval: { groups: [sre] }
            """;
        (await operatorClient.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(Policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var registered = await (await operatorClient.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot" })).Content.ReadFromJsonAsync<JsonElement>();
        var token = registered.GetProperty("token").GetString()!;
        await using var gate = MeshGate.Create(api.Mesh.GateOptions());
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));

        var cases = new (string Agent, string Token, string Tool, string Operation, string? Target, ReasonCode Expected)[]
        {
            ($"{tenant}/bot", token, "files", "read", "/tmp/x", ReasonCode.Policy),
            ($"{tenant}/bot", token, "files", "read", "/etc/shadow", ReasonCode.Policy),
            ($"{tenant}/bot", token, "shell", "exec", "ls", ReasonCode.Default),
            ($"{tenant}/bot", token, "deploy", "run", "prod", ReasonCode.Policy),
            ($"{tenant}/bot", "mesh_at_wrong", "files", "read", "/tmp/x", ReasonCode.BadToken),
            ($"{tenant}/bot", "", "files", "read", "/tmp/x", ReasonCode.BadToken),
            ($"{tenant}/ghost", token, "files", "read", "/tmp/x", ReasonCode.UnknownAgent),
            ($"{tenant}/bot", token, "files", "read", "bad\ntarget", ReasonCode.BadRequest),
            ($"{tenant}/bot", token, "no spaces allowed", "read", "/tmp/x", ReasonCode.BadRequest),
        };

        foreach (var c in cases)
        {
            var sdk = await gate.CheckAsync(new ActionRequest { RequestId = Guid.NewGuid().ToString("N"), AgentId = c.Agent, AgentToken = c.Token, Tool = c.Tool, Operation = c.Operation, Target = c.Target });
            using var runtime = api.Mesh.Http(c.Token.Length == 0 ? null : c.Token);
            var http = await (await runtime.PostAsJsonAsync("v1/decide", new { requestId = Guid.NewGuid().ToString("N"), agentId = c.Agent, tool = c.Tool, operation = c.Operation, target = c.Target }))
                .Content.ReadFromJsonAsync<JsonElement>();

            var what = $"{c.Tool} {c.Operation} {c.Target}";
            Assert.True(c.Expected == sdk.Reason, $"{what}: SDK said {sdk.Reason}");
            Assert.Equal(sdk.Reason.ToWire(), http.GetProperty("reason").GetString());
            Assert.Equal(sdk.Effect switch { Effect.Allow => "allow", Effect.Deny => "deny", _ => "require_approval" }, http.GetProperty("effect").GetString());
            Assert.Equal(sdk.RuleId, http.TryGetProperty("ruleId", out var rule) ? rule.GetString() : null);
            Assert.Equal(sdk.PolicyVersion, http.GetProperty("policyVersion").GetInt64());
            Assert.Equal(sdk.ApprovalId is null, !http.TryGetProperty("approvalId", out _));
        }
    }
}
