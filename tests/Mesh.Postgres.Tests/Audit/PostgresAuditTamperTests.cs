using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Grains.Audit;
using Mesh.Silo.Hosting;
using Mesh.Testing;
using Mesh.Testing.Postgres;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Mesh.Postgres.Tests.Audit;

/// <summary>
/// A cluster-mode silo writes real records to PostgreSQL; then the table owner disables the append-only triggers and
/// edits the tables underneath it. <c>mesh audit verify</c> (the real CLI) and <c>POST /v1/audit/verify</c> must fail
/// and name the problem. Each test has a database and a silo of its own.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditTamperTests(PostgresFixture postgres)
{
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: git
            effect: allow
            match: { tools: [git] }
        """;

    [PostgresFact]
    public async Task An_edited_record_is_named()
    {
        await using var silo = await StartAsync();
        await silo.DecideAsync("bot", 4);
        await silo.CheckpointAsync();

        await silo.TamperAsync("UPDATE audit_records SET body = set_byte(body, length(body) - 10, get_byte(body, length(body) - 10) # 1) WHERE stream = @s AND seq = 2", silo.StreamOf("bot"));

        await AssertReportedAsync(silo, "edited", silo.StreamOf("bot") + "#2");
    }

    [PostgresFact]
    public async Task A_record_deleted_in_the_middle_is_named()
    {
        await using var silo = await StartAsync();
        await silo.DecideAsync("bot", 4);
        await silo.CheckpointAsync();

        await silo.TamperAsync("DELETE FROM audit_records WHERE stream = @s AND seq = 3", silo.StreamOf("bot"));

        await AssertReportedAsync(silo, "deleted", silo.StreamOf("bot") + "#3");
    }

    [PostgresFact]
    public async Task A_whole_deleted_stream_is_named()
    {
        await using var silo = await StartAsync();
        await silo.DecideAsync("bot", 2);
        await silo.DecideAsync("other", 2);
        await silo.CheckpointAsync();

        await silo.TamperAsync("DELETE FROM audit_records WHERE stream = @s", silo.StreamOf("other"));

        await AssertReportedAsync(silo, "truncated", silo.StreamOf("other") + "#1");
    }

    [PostgresFact]
    public async Task A_record_moved_from_another_stream_and_rechained_is_named()
    {
        await using var silo = await StartAsync();
        await silo.DecideAsync("other", 2);
        await silo.DecideAsync("bot", 2);
        await silo.CheckpointAsync();
        await silo.DecideAsync("bot", 1);
        await silo.CheckpointAsync();

        // other's #2 becomes bot's #3, chained onto bot's #2 with a fresh hash: the chain is consistent again.
        var bot = await silo.RowsAsync(silo.StreamOf("bot"));
        var moved = AuditCodec.Decode((await silo.RowsAsync(silo.StreamOf("other")))[1].Body);
        var forged = AuditRow.From(moved with { Stream = bot[2].Stream, AgentId = bot[2].AgentId, Sequence = 3, PreviousHash = bot[1].HashHex });
        await silo.TamperAsync(
            "UPDATE audit_records SET body = @b, hash = @h, time_us = @t, kind = @k, agent_id = @a, effect = @e, reason = @r, request_id = @q WHERE stream = @s AND seq = 3",
            forged.Stream, ("b", forged.Body), ("h", forged.Hash), ("t", AuditText.UnixMicroseconds(forged.Time)), ("k", (int)forged.Kind), ("a", forged.AgentId),
            ("e", forged.Effect), ("r", forged.Reason), ("q", forged.RequestId));

        await AssertReportedAsync(silo, "forged", silo.StreamOf("bot") + "#3");
    }

    [PostgresFact]
    public async Task An_old_checkpoint_left_in_place_of_the_newer_ones_is_named()
    {
        await using var silo = await StartAsync(checkpointInterval: "00:00:02");
        await silo.DecideAsync("bot", 2);
        await silo.UntilEverythingIsSignedAsync();
        await silo.DecideAsync("bot", 2);
        await silo.UntilEverythingIsSignedAsync();

        var stream = silo.StreamOf("bot");
        var newer = new List<long>();
        await foreach (var checkpoint in silo.Store.ReadCheckpointsAsync(0, CancellationToken.None))
        {
            if (AuditCheckpoints.Decode(checkpoint.Body).Any(h => h.Stream == stream && h.Sequence > 2))
            {
                newer.Add(checkpoint.Id);
            }
        }

        Assert.NotEmpty(newer);
        await silo.TamperAsync("DELETE FROM audit_checkpoints WHERE id = ANY(@ids)", stream, ("ids", newer.ToArray()));

        await silo.UntilFailingAsync();
        await AssertReportedAsync(silo, "unsigned", stream + "#3");
    }

    [PostgresFact]
    public async Task A_store_whose_checkpoints_were_all_deleted_fails()
    {
        await using var silo = await StartAsync(checkpointInterval: "00:00:02");
        await silo.DecideAsync("bot", 2);
        await silo.UntilEverythingIsSignedAsync();

        await silo.TamperAsync("DELETE FROM audit_checkpoints WHERE @s IS NOT NULL", silo.StreamOf("bot"));

        await silo.UntilFailingAsync();
        var api = await silo.VerifyAsync();
        var cli = await MeshCli.RunAsync(silo.HttpBase, silo.AdminToken, "audit", "verify");
        Assert.Equal(0, api.GetProperty("checkpoints").GetInt32());
        Assert.Contains(api.GetProperty("problems").EnumerateArray(), p => p.GetProperty("kind").GetString() == "unsigned" && p.GetProperty("message").GetString()!.Contains("no trusted checkpoint", StringComparison.Ordinal));
        Assert.Equal(1, cli.Exit);
        Assert.Contains("no trusted checkpoint", cli.Out.Replace("\n", " ", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    private static async Task AssertReportedAsync(ClusterSilo silo, string kind, string recordId)
    {
        var api = await silo.VerifyAsync();
        var cli = await MeshCli.RunAsync(silo.HttpBase, silo.AdminToken, "audit", "verify");

        Assert.False(api.GetProperty("ok").GetBoolean(), api.ToString());
        Assert.True(
            api.GetProperty("problems").EnumerateArray().Any(p => p.GetProperty("kind").GetString() == kind && p.GetProperty("recordId").ValueKind == JsonValueKind.String && p.GetProperty("recordId").GetString() == recordId),
            $"expected {kind} at {recordId}: {api}");
        Assert.True(cli.Exit == 1, $"exit {cli.Exit}: {cli.Out}{cli.Err}");
        Assert.Contains($"{kind}  {recordId}", cli.Out, StringComparison.Ordinal);
    }

    private async Task<ClusterSilo> StartAsync(string checkpointInterval = "01:00:00")
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-pg-tamper-" + Guid.NewGuid().ToString("N")[..12]);
        var ports = FreePorts.Take(3);
        var host = MeshSiloHost.Build(
        [
            "--mode", "cluster", "--connection", db, "--data-dir", dataDir,
            "--silo-port", ports[0].ToString(CultureInfo.InvariantCulture), "--gateway-port", ports[1].ToString(CultureInfo.InvariantCulture),
            "--http-url", $"http://127.0.0.1:{ports[2]}", "--advertised-address", "127.0.0.1", "--Mesh:ClusterSecret", new string('s', 32),
            "--Mesh:Audit:CheckpointInterval", checkpointInterval, "--Mesh:FreeAuthFailures", "100000",
        ]);
        var silo = new ClusterSilo(host, db, dataDir, new Uri($"http://127.0.0.1:{ports[2]}"));
        await host.StartAsync();
        await silo.RegisterAsync();
        return silo;
    }

    /// <summary>One cluster-mode silo on its own database, with agents <c>bot</c> and <c>other</c> of one tenant.</summary>
    private sealed class ClusterSilo(IHost host, string db, string dataDir, Uri httpBase) : IAsyncDisposable
    {
        private readonly Dictionary<string, string> _agentTokens = [];
        private readonly string _tenant = "pgt" + Guid.NewGuid().ToString("N")[..8];
        private int _decisions;

        public Uri HttpBase => httpBase;

        public string AdminToken => File.ReadAllText(Path.Combine(dataDir, "admin.token")).Trim();

        public IAuditStore Store => (IAuditStore)host.Services.GetService(typeof(IAuditStore))!;

        public string StreamOf(string name) => $"{_tenant}/{name}";

        public async Task RegisterAsync()
        {
            using var admin = Http(AdminToken);
            (await admin.PutAsync($"v1/tenants/{_tenant}/policy", new StringContent(Policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
            foreach (var name in new[] { "bot", "other" })
            {
                var registered = await admin.PostAsJsonAsync("v1/agents", new { agentId = StreamOf(name), roles = new[] { "deployer" } });
                registered.EnsureSuccessStatusCode();
                _agentTokens[name] = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
            }
        }

        public async Task DecideAsync(string name, int count)
        {
            using var runtime = Http(_agentTokens[name]);
            for (var i = 0; i < count; i++)
            {
                var requestId = "r-" + (++_decisions).ToString(CultureInfo.InvariantCulture);
                (await runtime.PostAsJsonAsync("v1/decide", new { requestId, agentId = StreamOf(name), tool = i % 2 == 0 ? "git" : "shell", operation = "pull" })).EnsureSuccessStatusCode();
            }
        }

        public async Task CheckpointAsync()
        {
            using var admin = Http(AdminToken);
            var signed = await (await admin.PostAsync("v1/audit/checkpoints", null)).Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(signed.GetProperty("signed").GetBoolean(), signed.ToString());
        }

        public async Task<JsonElement> VerifyAsync()
        {
            using var admin = Http(AdminToken);
            var response = await admin.PostAsync("v1/audit/verify", null);
            Assert.True(response.IsSuccessStatusCode, $"verify: {(int)response.StatusCode}");
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }

        public Task UntilEverythingIsSignedAsync() => Poll.UntilAsync(async () =>
        {
            var result = await VerifyAsync();
            Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
            return result.GetProperty("unconfirmed").GetInt64() == 0;
        }, TimeSpan.FromSeconds(60), "every audit record to be covered by a signed checkpoint");

        public Task UntilFailingAsync() => Poll.UntilAsync(
            async () => !(await VerifyAsync()).GetProperty("ok").GetBoolean(), TimeSpan.FromSeconds(60), "verification to report the unsigned records");

        public async Task<List<AuditRow>> RowsAsync(string stream)
        {
            var rows = new List<AuditRow>();
            await foreach (var row in Store.ReadChainsAsync(stream, CancellationToken.None))
            {
                rows.Add(row);
            }

            return rows;
        }

        /// <summary>As the tables' owner: disables the append-only triggers, runs <paramref name="sql"/> (@s is <paramref name="stream"/>).</summary>
        public async Task TamperAsync(string sql, string stream, params (string Name, object? Value)[] parameters)
        {
            await using var connection = new NpgsqlConnection(db);
            await connection.OpenAsync();
            await using (var disable = new NpgsqlCommand("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only; ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only", connection))
            {
                await disable.ExecuteNonQueryAsync();
            }

            await using var command = new NpgsqlCommand(sql, connection);
            command.Parameters.AddWithValue("s", stream);
            foreach (var (name, value) in parameters)
            {
                command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            }

            Assert.True(await command.ExecuteNonQueryAsync() >= 1, "the tampering changed nothing: " + sql);
        }

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
            Directory.Delete(dataDir, recursive: true);
        }

        private HttpClient Http(string token)
        {
            var client = new HttpClient { BaseAddress = httpBase, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            return client;
        }
    }
}
