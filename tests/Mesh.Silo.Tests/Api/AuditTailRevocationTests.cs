using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Silo.Tests.Api;

[Collection(ApiCollection.Name)]
public sealed class AuditTailRevocationTests(ApiFixture api)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Revoking_the_token_of_an_open_audit_tail_closes_it_and_later_records_are_not_sent()
    {
        var tenant = "tail" + Guid.NewGuid().ToString("N")[..8];
        using var admin = api.As("admin");
        await OperatorLockoutTests.PublishAsync(admin, tenant, Mesh.Testing.TestPolicies.AllowAll);
        var (agent, agentToken) = (await OperatorLockoutTests.RegisterAgentsAsync(admin, tenant, 1)).Single();
        var auditorToken = await OperatorLockoutTests.CreateTokenAsync(admin, "tail-auditor", "auditor");
        var (auditorId, _) = OperatorLockoutTests.Split(auditorToken);
        using var runtime = api.Mesh.Http();
        using var auditor = api.Mesh.Http(auditorToken);

        using var tail = await auditor.GetAsync($"v1/audit/tail?agent={agent}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, tail.StatusCode);
        using var lines = new StreamReader(await tail.Content.ReadAsStreamAsync());
        using var deadline = new CancellationTokenSource(Deadline);

        // The tail is live: a decision made now arrives.
        (await OperatorLockoutTests.DecideAsync(runtime, agent, agentToken, "files", "read", "/tmp/before")).EnsureSuccessStatusCode();
        while (true)
        {
            var line = await lines.ReadLineAsync(deadline.Token) ?? throw new InvalidOperationException("the tail ended before the first record");
            if (line.Contains("/tmp/before", StringComparison.Ordinal))
            {
                break;
            }
        }

        (await admin.DeleteAsync($"v1/tokens/{auditorId}")).EnsureSuccessStatusCode();
        (await OperatorLockoutTests.DecideAsync(runtime, agent, agentToken, "files", "read", "/tmp/after")).EnsureSuccessStatusCode();

        // The tail ends on its own (the read returns null before the deadline), its last line says why, and the record
        // stored after the revocation is not among what it sent.
        var rest = new List<string>();
        while (await lines.ReadLineAsync(deadline.Token) is { } line)
        {
            rest.Add(line);
        }

        Assert.NotEmpty(rest);
        var end = JsonDocument.Parse(rest[^1]).RootElement;
        Assert.Equal("token_revoked", end.GetProperty("end").GetString());
        Assert.False(end.TryGetProperty("id", out _));
        Assert.DoesNotContain(rest, line => line.Contains("/tmp/after", StringComparison.Ordinal));

        // The record was stored: the tail withheld it, it did not just miss it.
        var stored = await admin.GetFromJsonAsync<JsonElement>($"v1/audit/records?agent={agent}");
        Assert.Contains(stored.GetProperty("records").EnumerateArray(), r => r.TryGetProperty("request", out var request) && request.GetProperty("target").GetString() == "/tmp/after");

        // And the revoked token cannot open a new one.
        using var again = await auditor.GetAsync($"v1/audit/tail?agent={agent}", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
    }
}
