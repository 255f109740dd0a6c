using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Silo.Tests.Audit;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Api;

/// <summary><c>mesh audit tail</c> when the mesh closes the tail because its token was revoked.</summary>
[Collection(AuditCollection.Name)]
public sealed class AuditTailCliRevocationTests(AuditFixture mesh)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task The_cli_tail_stops_with_the_reason_and_exit_code_1_once_its_token_is_revoked()
    {
        var (tenant, agentToken) = await mesh.TenantAsync("cr", TestPolicies.AllowAll);
        using var admin = mesh.As("admin");
        var created = await (await admin.PostAsJsonAsync("v1/tokens", new { name = "cli-tail-auditor", roles = new[] { "auditor" } })).Content.ReadFromJsonAsync<JsonElement>();
        var role = "revoked-" + tenant;
        mesh.Tokens[role] = created.GetProperty("token").GetString()!;

        var lines = new ConcurrentQueue<string>();
        var sent = new List<string>();
        using var tail = mesh.StartCli(role, "audit", "tail", "--tenant", tenant, "--kind", "decision", "-o", "json");
        var reading = Task.Run(async () =>
        {
            while (await tail.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Enqueue(line);
            }
        });
        try
        {
            // Live first: decide until a decision made after the tail connected shows up.
            await Poll.UntilAsync(async () =>
            {
                if (lines.Any(line => sent.Any(id => line.Contains($"\"requestId\":\"{id}\"", StringComparison.Ordinal))))
                {
                    return true;
                }

                var requestId = "t-" + sent.Count;
                sent.Add(requestId);
                await mesh.DecideAsync(tenant, agentToken, requestId, "files", "read", "/tmp/x");
                return false;
            }, Deadline, "the tail to print a decision made after it started");

            (await admin.DeleteAsync($"v1/tokens/{created.GetProperty("info").GetProperty("id").GetString()}")).EnsureSuccessStatusCode();
            await mesh.DecideAsync(tenant, agentToken, "after-revoke", "files", "read", "/tmp/x");

            await tail.WaitForExitAsync().WaitAsync(Deadline);
            await reading.WaitAsync(Deadline);
            var error = await tail.StandardError.ReadToEndAsync();
            Assert.Equal(1, tail.ExitCode);
            Assert.Contains("token_revoked", error, StringComparison.Ordinal);
            Assert.DoesNotContain(lines, line => line.Contains("after-revoke", StringComparison.Ordinal) || line.Contains("\"end\"", StringComparison.Ordinal));
        }
        finally
        {
            if (!tail.HasExited)
            {
                tail.Kill(entireProcessTree: true);
                await tail.WaitForExitAsync().WaitAsync(Deadline);
            }
        }
    }
}
