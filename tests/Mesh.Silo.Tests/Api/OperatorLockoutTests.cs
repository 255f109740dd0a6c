using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Api;

/// <summary>
/// Authentication throttling over real HTTP on loopback, where every caller shares one address, with the default
/// allowance (Mesh:FreeAuthFailures 5): agents and wrong tokens never lock an operator out; guessing stays throttled.
/// </summary>
public sealed class OperatorLockoutTests
{
    private const int Agents = 500;
    private const int FreeFailures = 5;

    [Fact]
    public async Task An_operator_stops_the_fleet_while_500_agents_decide_from_the_same_address()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        using var admin = mesh.Http(mesh.AdminToken);
        const string Tenant = "busy";
        await PublishAsync(admin, Tenant, TestPolicies.AllowAll);
        (await admin.PostAsJsonAsync("v1/credentials", new { credentialId = $"{Tenant}/github", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        var tokens = await RegisterAgentsAsync(admin, Tenant, Agents);

        using var runtime = mesh.Http();
        var answered = 0;
        var enoughTraffic = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var operatorDone = new CancellationTokenSource();
        var statuses = new ConcurrentDictionary<HttpStatusCode, int>();
        var effects = new ConcurrentDictionary<string, int>();

        // Every agent decides with its own token, in a bounded loop, until the operator has finished (or 40 rounds).
        var agents = tokens.Select(async pair =>
        {
            for (var round = 0; round < 40 && !operatorDone.IsCancellationRequested; round++)
            {
                using var response = await DecideAsync(runtime, pair.Key, pair.Value, "files", "read", "/tmp/x");
                statuses.AddOrUpdate(response.StatusCode, 1, (_, n) => n + 1);
                if (response.IsSuccessStatusCode)
                {
                    var effect = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("effect").GetString()!;
                    effects.AddOrUpdate(effect, 1, (_, n) => n + 1);
                }

                if (Interlocked.Increment(ref answered) == Agents)
                {
                    enoughTraffic.TrySetResult();
                }
            }
        }).ToArray();

        await enoughTraffic.Task.WaitAsync(TimeSpan.FromMinutes(2));

        // While the agents are still deciding: who am I, revoke a credential, engage the emergency stop.
        using var me = await admin.GetAsync("v1/me");
        using var revoke = await admin.PostAsJsonAsync($"v1/credentials/{Tenant}/github/revoke", new { reason = "lockout test" });
        using var stop = await admin.PostAsJsonAsync("v1/emergency-stop", new { reason = "lockout test" });
        var stillDeciding = !agents.All(a => a.IsCompleted);
        operatorDone.Cancel();
        await Task.WhenAll(agents);

        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        Assert.True(stillDeciding, "the agents had finished before the operator called: the test did not overlap them");
        Assert.Equal(new[] { HttpStatusCode.OK }, statuses.Keys.ToArray());
        Assert.True(effects.GetValueOrDefault("allow") >= Agents, $"allowed decisions: {effects.GetValueOrDefault("allow")}");

        // The stop took effect: the next decision of any agent is denied emergency_stop, and the credential is revoked.
        var (anyAgent, anyToken) = tokens.First();
        using var after = await DecideAsync(runtime, anyAgent, anyToken, "files", "read", "/tmp/x");
        var decision = await after.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("deny", decision.GetProperty("effect").GetString());
        Assert.Equal("emergency_stop", decision.GetProperty("reason").GetString());
        var credential = await admin.GetFromJsonAsync<JsonElement>($"v1/credentials/{Tenant}/github");
        Assert.Equal("revoked", credential.GetProperty("status").GetString());
        (await admin.DeleteAsync("v1/emergency-stop")).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Floods_of_wrong_tokens_from_the_same_address_never_block_a_valid_token_they_do_not_name()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        using var admin = mesh.Http(mesh.AdminToken);
        const string Tenant = "flood";
        await PublishAsync(admin, Tenant, TestPolicies.AllowAll);
        var agents = await RegisterAgentsAsync(admin, Tenant, 2);
        var (victim, victimToken) = agents.First();
        var (bystander, bystanderToken) = agents.Last();
        var operatorToken = await CreateTokenAsync(admin, "ops", "operator");

        // Wrong tokens of every kind, far past the allowance: malformed strings, agent tokens at operator endpoints,
        // made-up token ids, a wrong secret for the operator's real id, and wrong agent tokens for one agent.
        var (operatorId, _) = Split(operatorToken);
        var floods = new List<(string Token, string Path)>();
        for (var i = 0; i < 30; i++)
        {
            floods.Add(("garbage-" + i, "v1/me"));
            floods.Add((victimToken, "v1/me"));
            floods.Add(($"mesh_ot_{i:x12}.guess", "v1/me"));
            floods.Add(($"mesh_ot_{operatorId}.wrong-secret-{i}", "v1/me"));
        }

        foreach (var (token, path) in floods)
        {
            using var client = mesh.Http(token);
            using var response = await client.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.TooManyRequests, $"{path}: {response.StatusCode}");
        }

        using var runtime = mesh.Http();
        for (var i = 0; i < 30; i++)
        {
            using var wrong = await DecideAsync(runtime, victim, "mesh_at_wrong" + i, "files", "read", "/tmp/x");
            Assert.True(wrong.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"wrong agent token: {wrong.StatusCode}");
        }

        // Guessing stays throttled: the guessed operator id and the guessed agent are refused, with Retry-After.
        using var guessing = mesh.Http($"mesh_ot_{operatorId}.wrong-secret-again");
        using var guessed = await UntilThrottledAsync(() => guessing.GetAsync("v1/me"));
        Assert.NotNull(guessed.Headers.RetryAfter);
        using var guessedAgent = await UntilThrottledAsync(() => DecideAsync(runtime, victim, "mesh_at_wrong-again", "files", "read", "/tmp/x"));
        Assert.NotNull(guessedAgent.Headers.RetryAfter);

        // Every valid token the floods did not name works from the same address: the admin, an agent.
        using var me = await admin.GetAsync("v1/me");
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        using var stop = await admin.PostAsJsonAsync("v1/emergency-stop", new { reason = "flood test" });
        Assert.Equal(HttpStatusCode.OK, stop.StatusCode);
        (await admin.DeleteAsync("v1/emergency-stop")).EnsureSuccessStatusCode();
        using var bystanderDecides = await DecideAsync(runtime, bystander, bystanderToken, "files", "read", "/tmp/x");
        Assert.Equal(HttpStatusCode.OK, bystanderDecides.StatusCode);
        Assert.Equal("allow", (await bystanderDecides.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("effect").GetString());
    }

    [Fact]
    public async Task Wrong_agent_tokens_at_decide_are_denied_then_answered_429_with_retry_after()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        using var admin = mesh.Http(mesh.AdminToken);
        const string Tenant = "guess";
        await PublishAsync(admin, Tenant, TestPolicies.AllowAll);
        var agent = (await RegisterAgentsAsync(admin, Tenant, 1)).Single().Key;
        using var runtime = mesh.Http();

        for (var i = 0; i < FreeFailures; i++)
        {
            using var denied = await DecideAsync(runtime, agent, "mesh_at_guess" + i, "files", "read", "/tmp/x");
            Assert.Equal(HttpStatusCode.OK, denied.StatusCode);
            Assert.Equal("bad_token", (await denied.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reason").GetString());
        }

        using var throttled = await UntilThrottledAsync(() => DecideAsync(runtime, agent, "mesh_at_guess-next", "files", "read", "/tmp/x"));
        Assert.True(throttled.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {throttled.Headers.RetryAfter}");
        var problem = await throttled.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("too_many_failed_attempts", problem.GetProperty("code").GetString());

        // The wait route counts and refuses the same way; the operator is not affected.
        using var waitRefused = await UntilThrottledAsync(() => runtime.SendAsync(AsAgent(HttpMethod.Post, $"v1/approvals/{Tenant}/none/wait", "mesh_at_guess-wait", new { agentId = agent, timeoutSeconds = 0 })));
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("v1/me")).StatusCode);
    }

    [Fact]
    public async Task Wrong_tokens_at_outcomes_and_probes_of_an_unknown_agent_are_answered_429()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        using var admin = mesh.Http(mesh.AdminToken);
        const string Tenant = "probe";
        await PublishAsync(admin, Tenant, TestPolicies.AllowAll);
        var agents = await RegisterAgentsAsync(admin, Tenant, 2);
        var (guessed, (agent, token)) = (agents.Keys.First(), agents.Last());
        using var runtime = mesh.Http();

        // Reporting outcomes with guessed tokens: refused in the receipt, then throttled.
        using var outcomeRefused = await UntilThrottledAsync(() => runtime.SendAsync(AsAgent(HttpMethod.Post, "v1/outcomes", "mesh_at_guess", new { agentId = guessed, requestId = "r1", success = true })));
        Assert.Equal("too_many_failed_attempts", (await outcomeRefused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // An agent id nobody registered: unknown_agent, then throttled like a wrong token for that id.
        using var unknownRefused = await UntilThrottledAsync(() => DecideAsync(runtime, $"{Tenant}/nobody", "mesh_at_guess", "files", "read", "/tmp/x"));
        Assert.Equal("too_many_failed_attempts", (await unknownRefused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // Another agent, from the same address, still decides.
        using var allowed = await DecideAsync(runtime, agent, token, "files", "read", "/tmp/x");
        Assert.Equal("allow", (await allowed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("effect").GetString());
    }

    [Fact]
    public async Task A_valid_token_does_not_reset_the_failures_counted_against_another_token()
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        using var admin = mesh.Http(mesh.AdminToken);
        var operatorToken = await CreateTokenAsync(admin, "ops", "operator");
        var (operatorId, _) = Split(operatorToken);
        using var guessing = mesh.Http($"mesh_ot_{operatorId}.wrong");

        // Failures against the operator's token, each followed by the admin's valid call from the same address: with
        // a throttle that a success resets, the guesser would get unlimited attempts.
        for (var i = 0; i < FreeFailures; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await guessing.GetAsync("v1/me")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("v1/me")).StatusCode);
        }

        // Still guessing, still with the admin's successes in between: the guesses end up refused.
        using var refused = await UntilThrottledAsync(async () =>
        {
            var guess = await guessing.GetAsync("v1/me");
            Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("v1/me")).StatusCode);
            return guess;
        });
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    // Past the allowance a guess is refused for 1 s, then 2, 4, 8... (each failure counted after a block doubles it), so a bounded
    // number of attempts reaches a refusal however slow the machine; without a throttle none ever comes.
    private static async Task<HttpResponseMessage> UntilThrottledAsync(Func<Task<HttpResponseMessage>> attempt)
    {
        for (var i = 0; i < 40; i++)
        {
            var response = await attempt();
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                return response;
            }

            response.Dispose();
        }

        throw new Xunit.Sdk.XunitException("40 more failed attempts were never refused with 429");
    }

    internal static async Task PublishAsync(HttpClient admin, string tenant, string policy) =>
        (await admin.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();

    internal static async Task<string> CreateTokenAsync(HttpClient admin, string name, string role)
    {
        using var response = await admin.PostAsJsonAsync("v1/tokens", new { name, roles = new[] { role } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    internal static (string Id, string Secret) Split(string apiToken)
    {
        var body = apiToken["mesh_ot_".Length..];
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        return (body[..dot], body[(dot + 1)..]);
    }

    internal static async Task<Dictionary<string, string>> RegisterAgentsAsync(HttpClient admin, string tenant, int count)
    {
        var tokens = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, cancellationToken) =>
        {
            var agentId = $"{tenant}/agent-{i}";
            using var response = await admin.PostAsJsonAsync("v1/agents", new { agentId }, cancellationToken);
            response.EnsureSuccessStatusCode();
            tokens[agentId] = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
        });
        return new Dictionary<string, string>(tokens.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    internal static Task<HttpResponseMessage> DecideAsync(HttpClient runtime, string agentId, string agentToken, string tool, string operation, string? target) =>
        runtime.SendAsync(AsAgent(HttpMethod.Post, "v1/decide", agentToken, new { requestId = Guid.NewGuid().ToString("N"), agentId, tool, operation, target }));

    private static HttpRequestMessage AsAgent(HttpMethod method, string path, string agentToken, object body) => new(method, path)
    {
        Headers = { Authorization = new AuthenticationHeaderValue("Bearer", agentToken) },
        Content = JsonContent.Create(body),
    };
}
