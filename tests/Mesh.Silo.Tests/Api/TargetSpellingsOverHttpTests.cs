using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Testing.Targets;

namespace Mesh.Silo.Tests.Api;

/// <summary>
/// The table of target spellings the policy tests decide offline, sent through a live silo's HTTP decision endpoint:
/// what the silo decides for each spelling must be exactly what the canonical reading says.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class TargetSpellingsOverHttpTests(ApiFixture api)
{
    [Fact]
    public async Task Every_spelling_is_decided_on_its_canonical_reading_by_a_live_silo()
    {
        var tenant = "spl" + Guid.NewGuid().ToString("N")[..8];
        using var operatorClient = api.As("operator");
        (await operatorClient.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(TargetSpellings.Policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var registered = await (await operatorClient.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot" })).Content.ReadFromJsonAsync<JsonElement>();
        using var runtime = api.Mesh.Http(registered.GetProperty("token").GetString());

        var wrong = new List<string>();
        foreach (var (tool, target, effect, reason) in TargetSpellings.Cases)
        {
            var response = await runtime.PostAsJsonAsync("v1/decide", new { requestId = Guid.NewGuid().ToString("N"), agentId = $"{tenant}/bot", tool, operation = "get", target });
            var decision = await response.Content.ReadFromJsonAsync<JsonElement>();
            var got = (decision.GetProperty("effect").GetString(), decision.GetProperty("reason").GetString());
            if (got != (effect, reason))
            {
                wrong.Add($"{tool} {target}: expected {effect}/{reason}, got {got.Item1}/{got.Item2} ({decision.GetProperty("message").GetString()})");
            }
        }

        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }
}
