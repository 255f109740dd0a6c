using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Audit;

/// <summary>The <c>mesh audit</c> commands and <c>mesh policy simulate --since</c>, run as real processes against a real silo.</summary>
[Collection(AuditCollection.Name)]
public sealed class AuditCliTests(AuditFixture mesh)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // The CLI's console wraps long lines at 80 columns when its output is redirected.
    private static string Unwrapped(string text) => text.Replace("\n", " ", StringComparison.Ordinal);

    [Fact]
    public async Task Query_prints_a_table_or_the_page_as_json_and_refuses_bad_times()
    {
        var (tenant, token) = await mesh.TenantAsync("cq", AuditApiTests.GitPolicy);
        await mesh.DecideAsync(tenant, token, "q-1", "git", "pull");
        await mesh.DecideAsync(tenant, token, "q-2", "shell", "exec");

        var table = await mesh.CliAsync("auditor", "audit", "query", "--tenant", tenant, "--kind", "decision", "--since", "1h");
        var json = await mesh.CliAsync("auditor", "audit", "query", "--agent", $"{tenant}/bot", "--effect", "deny", "--until", "2999-01-01T00:00:00Z", "-o", "json");
        var badTime = await mesh.CliAsync("auditor", "audit", "query", "--since", "yesterday");
        var badKind = await mesh.CliAsync("auditor", "audit", "query", "--kind", "nope");
        var forbidden = await mesh.CliAsync("operator", "audit", "query", "--tenant", tenant);

        Assert.Equal(0, table.Exit);
        Assert.Contains("2 item(s)", table.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.Exit);
        var record = Assert.Single(JsonDocument.Parse(json.Out).RootElement.GetProperty("records").EnumerateArray());
        Assert.Equal("q-2", record.GetProperty("requestId").GetString());
        Assert.Equal(2, badTime.Exit);
        Assert.Contains("--since 'yesterday'", badTime.Err, StringComparison.Ordinal);
        Assert.Equal(1, badKind.Exit);
        Assert.Contains("kind 'nope'", badKind.Err, StringComparison.Ordinal);
        Assert.Equal(1, forbidden.Exit);
        Assert.Contains("403", forbidden.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_to_rotated_json_lines_files_holds_every_record_once_in_order()
    {
        var (tenant, token) = await mesh.TenantAsync("ce", AuditApiTests.GitPolicy);
        for (var i = 0; i < 20; i++)
        {
            await mesh.DecideAsync(tenant, token, $"e-{i}", i % 3 == 0 ? "shell" : "git", "pull", $"github.com/acme/app-{i}");
        }

        var expected = (await mesh.RecordsAsync($"tenant={tenant}&limit=1000")).GetProperty("records").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToArray();
        var dir = Directory.CreateTempSubdirectory("mesh-audit-export").FullName;
        try
        {
            var export = await mesh.CliAsync("auditor", "audit", "export", "--out", dir, "--tenant", tenant, "--rotate-size", "4KB");
            var again = await mesh.CliAsync("auditor", "audit", "export", "--out", dir, "--tenant", tenant);

            Assert.True(export.Exit == 0, export.Err);
            Assert.Contains($"exported {expected.Length} record(s)", export.Err, StringComparison.Ordinal);
            var files = Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray();
            Assert.True(files.Length >= 3, $"expected rotation into several files, got {files.Length}");
            Assert.Equal(Enumerable.Range(1, files.Length).Select(n => Path.Combine(dir, $"audit-{n:D6}.jsonl")), files);
            var ids = new List<string>();
            foreach (var file in files)
            {
                var bytes = await File.ReadAllBytesAsync(file);
                Assert.Equal((byte)'\n', bytes[^1]);
                var lines = Encoding.UTF8.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.True(bytes.Length <= 4096 || lines.Length == 1, $"{Path.GetFileName(file)} is {bytes.Length} bytes with {lines.Length} lines");
                ids.AddRange(lines.Select(line => JsonDocument.Parse(line).RootElement.GetProperty("id").GetString()!));
            }

            Assert.Equal(expected, ids);

            // A second export into the same folder never overwrites the first.
            Assert.Equal(4, again.Exit);
            Assert.Contains("audit-000001.jsonl", Unwrapped(again.Err), StringComparison.Ordinal);
            Assert.Contains("already exists", Unwrapped(again.Err), StringComparison.Ordinal);
            Assert.Equal(files, Directory.GetFiles(dir).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Export_over_otlp_sends_every_record_as_a_log_record_to_the_collector()
    {
        var (tenant, token) = await mesh.TenantAsync("co", AuditApiTests.GitPolicy);
        await mesh.DecideAsync(tenant, token, "o-1", "git", "pull");
        await mesh.DecideAsync(tenant, token, "o-2", "shell", "exec");
        var records = (await mesh.RecordsAsync($"tenant={tenant}")).GetProperty("records").EnumerateArray().ToArray();
        using var collector = new OtlpCollector();

        var export = await mesh.CliAsync("auditor", "audit", "export", "--otlp", collector.Endpoint, "--tenant", tenant);

        Assert.True(export.Exit == 0, export.Err);
        foreach (var record in records)
        {
            var id = record.GetProperty("id").GetString()!;
            await Poll.UntilAsync(() => collector.Received("/v1/logs", id), Deadline, $"the collector to receive {id}");
            Assert.True(collector.Received("/v1/logs", record.GetProperty("hash").GetString()!));
            Assert.True(collector.Received("/v1/logs", "mesh.audit.previous_hash"));

            // The log record's timestamp is the record's time: time_unix_nano, fixed64 field 1 (tag 0x09), little-endian.
            var nanos = (record.GetProperty("time").GetDateTimeOffset().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
            var field = new byte[9];
            field[0] = 0x09;
            BinaryPrimitives.WriteInt64LittleEndian(field.AsSpan(1), nanos);
            Assert.True(collector.Received("/v1/logs", field), $"{id}: no log record timestamped {nanos}");
        }

        Assert.True(collector.Received("/v1/logs", records[1].GetProperty("message").GetString()!));
    }

    [Fact]
    public async Task Export_over_otlp_fails_with_exit_code_4_when_no_collector_accepts_it()
    {
        var (tenant, token) = await mesh.TenantAsync("cf", AuditApiTests.GitPolicy);
        await mesh.DecideAsync(tenant, token, "x-1", "git", "pull");
        using var collector = new OtlpCollector(HttpStatusCode.ServiceUnavailable);

        var refused = await mesh.CliAsync("auditor", "audit", "export", "--otlp", collector.Endpoint, "--tenant", tenant);
        var nobody = await mesh.CliAsync("auditor", "audit", "export", "--otlp", $"http://127.0.0.1:{FreePorts.Take(1)[0]}", "--tenant", tenant, "--timeout", "5");

        Assert.Equal(4, refused.Exit);
        Assert.Contains("accepted 0 of", Unwrapped(refused.Err), StringComparison.Ordinal);
        Assert.Equal(4, nobody.Exit);
    }

    [Fact]
    public async Task Verify_exits_0_on_a_clean_store()
    {
        var (tenant, token) = await mesh.TenantAsync("cv", AuditApiTests.GitPolicy);
        await mesh.DecideAsync(tenant, token, "v-1", "git", "pull");
        await mesh.CliAsync("auditor", "audit", "checkpoint");

        var verify = await mesh.CliAsync("auditor", "audit", "verify");
        var json = await mesh.CliAsync("admin", "audit", "verify", "--stream", $"{tenant}/bot", "-o", "json");

        Assert.True(verify.Exit == 0, verify.Out + verify.Err);
        Assert.Contains("ok:", verify.Out, StringComparison.Ordinal);
        Assert.Equal(0, json.Exit);
        Assert.True(JsonDocument.Parse(json.Out).RootElement.GetProperty("ok").GetBoolean());
    }

    [Fact]
    public async Task Tail_receives_a_record_made_after_it_started()
    {
        var (tenant, token) = await mesh.TenantAsync("ct", AuditApiTests.GitPolicy);
        var lines = new ConcurrentQueue<string>();
        var sent = new List<string>();
        using var tail = mesh.StartCli("auditor", "audit", "tail", "--tenant", tenant, "--kind", "decision", "-o", "json");
        var reading = Task.Run(async () =>
        {
            while (await tail.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Enqueue(line);
            }
        });
        try
        {
            // The tail starts with the next new record: decide until one made after it connected shows up.
            await Poll.UntilAsync(async () =>
            {
                if (lines.Any(line => sent.Any(id => line.Contains($"\"requestId\":\"{id}\"", StringComparison.Ordinal))))
                {
                    return true;
                }

                if (tail.HasExited)
                {
                    Assert.Fail($"the tail stopped ({tail.ExitCode}): {await tail.StandardError.ReadToEndAsync()}");
                }
                var requestId = "t-" + sent.Count;
                sent.Add(requestId);
                await mesh.DecideAsync(tenant, token, requestId, "git", "pull");
                return false;
            }, Deadline, "the tail to print a decision made after it started");

            var record = JsonDocument.Parse(lines.First(line => line.Contains("requestId", StringComparison.Ordinal))).RootElement;
            Assert.Equal("decision", record.GetProperty("kind").GetString());
            Assert.Equal(tenant, record.GetProperty("tenant").GetString());
            Assert.Contains(record.GetProperty("requestId").GetString(), sent);
            Assert.All(lines, line => JsonDocument.Parse(line));
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
            await tail.WaitForExitAsync().WaitAsync(Deadline);
            await reading.WaitAsync(Deadline);
        }
    }

    [Fact]
    public async Task Policy_simulate_since_replays_recorded_decisions_against_a_candidate()
    {
        var (tenant, token) = await mesh.TenantAsync("cs", AuditApiTests.GitPolicy);
        await mesh.DecideAsync(tenant, token, "s-pull", "git", "pull", "github.com/acme/app");
        await mesh.DecideAsync(tenant, token, "s-push", "git", "push", "github.com/acme/app");
        using (var forged = mesh.Mesh.Http("mesh_at_not-the-token"))
        {
            // Refused before authentication: recorded, but not replayable.
            (await forged.PostAsync("v1/decide", new StringContent($$"""{"requestId":"s-forged","agentId":"{{tenant}}/bot","tool":"git","operation":"push"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }

        var candidate = Path.GetTempFileName();
        await File.WriteAllTextAsync(candidate, "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git-read\n    effect: allow\n    match: { tools: [git], operations: [pull] }\n");
        try
        {
            var simulated = await mesh.CliAsync("auditor", "policy", "simulate", "--tenant", tenant, candidate, "--since", "1h", "-o", "json");
            var table = await mesh.CliAsync("operator", "policy", "simulate", "--tenant", tenant, candidate, "--since", "1h");
            var neither = await mesh.CliAsync("auditor", "policy", "simulate", "--tenant", tenant, candidate);

            Assert.True(simulated.Exit == 0, simulated.Err);
            var report = JsonDocument.Parse(simulated.Out).RootElement;
            Assert.Equal(2, report.GetProperty("requests").GetInt32());
            var change = Assert.Single(report.GetProperty("changes").EnumerateArray());
            Assert.Equal("s-push", change.GetProperty("requestId").GetString());
            Assert.Equal($"{tenant}/bot", change.GetProperty("agentId").GetString());
            Assert.Equal("allow", change.GetProperty("recorded").GetProperty("effect").GetString());
            Assert.Equal("audit", change.GetProperty("recorded").GetProperty("source").GetString());
            Assert.Equal("deny", change.GetProperty("candidate").GetProperty("effect").GetString());
            Assert.Equal(0, table.Exit);
            Assert.Contains("1 of 2 decision(s) would change", table.Out, StringComparison.Ordinal);
            Assert.Equal(2, neither.Exit);
        }
        finally
        {
            File.Delete(candidate);
        }
    }
}
