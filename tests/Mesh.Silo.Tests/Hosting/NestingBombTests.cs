using System.Net;
using System.Text;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Hosting;

/// <summary>
/// No input from any role may stop a silo. A document nested 200,000 levels deep, or a mapping key that contains
/// itself, overflowed the stack of the YAML reader: the process died (a stack overflow cannot be caught), and one
/// auditor request took a silo down. Every
/// endpoint that reads a body gets the bomb, as a role allowed to call it, against a silo in its own process: each
/// must answer 400 with a clear problem, and the silo must still decide afterwards.
/// </summary>
public sealed class NestingBombTests : IAsyncLifetime
{
    private const string Tenant = "bombs";
    private const int Depth = 200_000;

    // Eleven bytes: a mapping key that contains itself. YamlDotNet hashes keys by their contents, without end.
    private const string CyclicKeyYaml = "? &k [*k]\n: v\n";

    // Who may call each endpoint that takes a body; "agent" is the agent's own token on the runtime routes.
    private static readonly Dictionary<string, string> Callers = new(StringComparer.Ordinal)
    {
        ["POST /v1/agents"] = "operator",
        ["POST /v1/agents/{tenant}/{name}/pause"] = "operator",
        ["POST /v1/agents/{tenant}/{name}/quarantine"] = "operator",
        ["POST /v1/credentials"] = "operator",
        ["POST /v1/credentials/{tenant}/{name}/suspend"] = "operator",
        ["POST /v1/credentials/{tenant}/{name}/revoke"] = "operator",
        ["POST /v1/credentials/{tenant}/{name}/rotate"] = "operator",
        ["POST /v1/tenants/{tenant}/pause"] = "operator",
        ["POST /v1/emergency-stop"] = "operator",
        ["DELETE /v1/emergency-stop"] = "operator",
        ["PUT /v1/tenants/{tenant}/policy"] = "operator",
        ["PUT /v1/tenants/{tenant}/policy/shadow"] = "operator",
        ["POST /v1/tenants/{tenant}/policy/rollback"] = "operator",
        ["POST /v1/tenants/{tenant}/policy/simulate"] = "auditor",
        ["POST /v1/approvals/{tenant}/{name}/votes"] = "approver",
        ["POST /v1/tokens"] = "admin",
        ["POST /v1/decide"] = "agent",
        ["POST /v1/outcomes"] = "agent",
        ["POST /v1/approvals/{tenant}/{name}/wait"] = "agent",
    };

    private static readonly string FlowYaml = "rules: " + new string('[', Depth) + new string(']', Depth);
    private static readonly string BlockYaml = "rules:\n" + string.Concat(Enumerable.Repeat("- ", Depth)) + "x\n";
    private static readonly string JsonBomb = new string('[', Depth) + new string(']', Depth);

    private HttpSiloProcess _silo = null!;
    private readonly Dictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        _silo = await HttpSiloProcess.StartAsync();
        _tokens["admin"] = _silo.AdminToken;
        foreach (var role in new[] { "operator", "auditor", "approver" })
        {
            _tokens[role] = await _silo.TokenAsync(role);
        }

        _tokens["agent"] = await _silo.AgentAsync(Tenant, TestPolicies.AllowAll);
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Every_endpoint_that_reads_yaml_or_json_refuses_the_nesting_bomb_and_the_silo_keeps_deciding()
    {
        var endpoints = await EndpointsWithBodiesAsync();
        var undeclared = endpoints.Keys.Where(e => !Callers.ContainsKey(e)).ToList();
        Assert.True(undeclared.Count == 0, "Endpoints that take a body and are not in this test's table (add them, with a role allowed to call them): " + string.Join(", ", undeclared));

        var answers = new List<string>();
        foreach (var (endpoint, contentTypes) in endpoints)
        {
            foreach (var (what, body, contentType, code, detail) in Bombs(endpoint, contentTypes))
            {
                var status = await SendAsync(endpoint, body, contentType, what, code, detail);
                answers.Add($"{endpoint} ({what}): {status}");
            }
        }

        // The three YAML bombs went to the three endpoints that read YAML, both JSON bombs to every endpoint that reads JSON.
        Assert.Equal((3 * 3) + (2 * (endpoints.Count - 2)), answers.Count);
        Assert.False(_silo.Process.HasExited, "The silo died:\n" + _silo.Process.Output);
        Assert.Equal("allow", await _silo.DecideAsync(Tenant, _tokens["agent"], "after-the-bombs"));
    }

    [Fact]
    public async Task A_deep_arguments_text_is_kept_only_as_its_digest_and_the_decision_is_answered()
    {
        // Arguments are text the audit trail parses as JSON (to hash secret fields) when the policy keeps them.
        var keep = "apiVersion: mesh/v1\nkind: Policy\naudit: { arguments: keep }\nrules:\n  - id: allow-all\n    effect: allow\n";
        var agentToken = await _silo.AgentAsync("deep-args", keep);
        var depth = (Contracts.Decisions.RequestLimits.MaxArgumentsLength / 2) - 1;
        var arguments = new string('[', depth) + new string(']', depth);
        using var agent = _silo.Client(agentToken);

        using var response = await agent.PostAsync("v1/decide", Json(new { requestId = "deep", agentId = "deep-args/bot", tool = "git", operation = "push", target = "github.com/acme/app", arguments }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("allow", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("effect").GetString());
        using var auditor = _silo.Client(_silo.AdminToken);
        var page = JsonDocument.Parse(await auditor.GetStringAsync("v1/audit/records?agent=deep-args/bot&kind=decision")).RootElement;
        var record = Assert.Single(page.GetProperty("records").EnumerateArray());
        Assert.False(record.GetProperty("request").TryGetProperty("arguments", out _), "Arguments past the depth bound must not be kept: " + record);
        Assert.True(record.GetProperty("request").TryGetProperty("argumentsDigest", out _), "The digest stands for the arguments: " + record);
        Assert.False(_silo.Process.HasExited, "The silo died:\n" + _silo.Process.Output);
    }

    private static IEnumerable<(string What, string Body, string ContentType, string Code, string Detail)> Bombs(string endpoint, IReadOnlyCollection<string> contentTypes)
    {
        if (contentTypes.Contains("application/yaml"))
        {
            // The outer mapping is the first level: the 64th '[' (column 7 + 64) and the 64th '-' (column 127) are the 65th.
            yield return ("flow YAML", FlowYaml, "application/yaml", "policy_invalid", "1:71: the document nests lists and mappings more than 64 levels deep");
            yield return ("block YAML", BlockYaml, "application/yaml", "policy_invalid", "2:127: the document nests lists and mappings more than 64 levels deep");
            yield return ("cyclic key YAML", CyclicKeyYaml, "application/yaml", "policy_invalid", "1:7: alias '*k' is inside the node it names (a cycle)");
        }

        if (endpoint.EndsWith("/policy/simulate", StringComparison.Ordinal))
        {
            yield return ("flow YAML candidate", JsonSerializer.Serialize(new { candidate = FlowYaml, requests = Array.Empty<object>() }), "application/json", "policy_invalid", "1:71:");
            yield return ("block YAML candidate", JsonSerializer.Serialize(new { candidate = BlockYaml, requests = Array.Empty<object>() }), "application/json", "policy_invalid", "2:127:");
            yield return ("cyclic key YAML candidate", JsonSerializer.Serialize(new { candidate = CyclicKeyYaml, requests = Array.Empty<object>() }), "application/json", "policy_invalid", "1:7:");
        }

        if (contentTypes.Contains("application/json"))
        {
            // System.Text.Json reads without recursion and stops at the API's depth of 16, or sooner, at the first
            // value the body's type cannot hold; either way the problem says where it stopped.
            yield return ("JSON", JsonBomb, "application/json", "malformed_json", "The body cannot be read as JSON at line 1, byte 17");
            yield return ("JSON in a field", "{\"unknown\":" + JsonBomb + "}", "application/json", "*", "unknown");
        }
    }

    private async Task<HttpStatusCode> SendAsync(string endpoint, string body, string contentType, string what, string code, string detail)
    {
        var method = endpoint[..endpoint.IndexOf(' ', StringComparison.Ordinal)];
        var path = endpoint[(method.Length + 2)..].Replace("{tenant}", Tenant, StringComparison.Ordinal).Replace("{name}", "bot", StringComparison.Ordinal);
        using var client = _silo.Client(_tokens[Callers[endpoint]]);
        using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request);
        }
        catch (HttpRequestException ex)
        {
            Assert.Fail($"{endpoint} ({what}): no answer ({ex.Message}); the end of the silo's output:\n{Tail(_silo.Process.Output)}");
            throw;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{endpoint} ({what}): expected 400, got {(int)response.StatusCode}: {text}");
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.True(code == "*" ? problem.GetProperty("code").GetString() is "malformed_json" or "unknown_field" : problem.GetProperty("code").GetString() == code, $"{endpoint} ({what}): {text}");
            Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            return response.StatusCode;
        }
    }

    // "METHOD /path" of every operation of the OpenAPI document that declares a request body, with its content types.
    private async Task<Dictionary<string, IReadOnlyCollection<string>>> EndpointsWithBodiesAsync()
    {
        using var client = _silo.Client(null);
        var document = JsonDocument.Parse(await client.GetStringAsync("openapi/v1.json")).RootElement;
        var endpoints = new Dictionary<string, IReadOnlyCollection<string>>(StringComparer.Ordinal);
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                if (operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("requestBody", out var requestBody))
                {
                    endpoints[$"{operation.Name.ToUpperInvariant()} {path.Name}"] = [.. requestBody.GetProperty("content").EnumerateObject().Select(c => c.Name)];
                }
            }
        }

        Assert.NotEmpty(endpoints);
        return endpoints;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
