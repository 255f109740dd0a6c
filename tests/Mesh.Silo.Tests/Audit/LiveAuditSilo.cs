using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Grains.Audit;
using Mesh.Testing;
using Microsoft.Data.Sqlite;

namespace Mesh.Silo.Tests.Audit;

/// <summary>
/// An embedded silo as an operating-system process (so it can be killed like <c>kill -9</c>), writing real records to
/// its SQLite audit file, which a test then edits underneath it as an attacker with access to the file would. Agents
/// <c>tenant/bot</c> and <c>tenant/other</c> decide over HTTP; verification runs through the HTTP API and the real CLI.
/// </summary>
public sealed class LiveAuditSilo : IAsyncDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(120);
    private readonly string _checkpointInterval;
    private readonly Dictionary<string, string> _agentTokens = [];
    private SiloProcess? _process;
    private int _decisions;

    private LiveAuditSilo(string checkpointInterval)
    {
        _checkpointInterval = checkpointInterval;
        Tenant = "tamper" + Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>The data folder (holding <c>audit.db</c>).</summary>
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "mesh-tamper-" + Guid.NewGuid().ToString("N"));

    /// <summary>The tenant of the two agents.</summary>
    public string Tenant { get; }

    /// <summary>The HTTP API of the running process.</summary>
    public Uri HttpBase { get; private set; } = null!;

    /// <summary>The admin token the silo wrote on its first start.</summary>
    public string AdminToken => File.ReadAllText(Path.Combine(DataDir, "admin.token")).Trim();

    /// <summary>The stream of agent <paramref name="name"/>.</summary>
    public string StreamOf(string name) => $"{Tenant}/{name}";

    /// <summary>
    /// Starts a silo that signs checkpoints every <paramref name="checkpointInterval"/> (a long one: only on demand)
    /// with agents <c>bot</c> and <c>other</c> registered.
    /// </summary>
    public static async Task<LiveAuditSilo> StartAsync(string checkpointInterval = "01:00:00")
    {
        var silo = new LiveAuditSilo(checkpointInterval);
        await silo.StartProcessAsync();
        using var admin = silo.Http();
        (await admin.PutAsync($"v1/tenants/{silo.Tenant}/policy", new StringContent(AuditApiTests.GitPolicy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        foreach (var name in new[] { "bot", "other" })
        {
            var registered = await admin.PostAsJsonAsync("v1/agents", new { agentId = silo.StreamOf(name), roles = new[] { "deployer" } });
            registered.EnsureSuccessStatusCode();
            silo._agentTokens[name] = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        return silo;
    }

    /// <summary>Makes <paramref name="count"/> decisions as agent <paramref name="name"/> (each one record of its stream).</summary>
    public async Task DecideAsync(string name, int count)
    {
        using var runtime = Http(_agentTokens[name]);
        for (var i = 0; i < count; i++)
        {
            var requestId = "r-" + (++_decisions).ToString(CultureInfo.InvariantCulture);
            var response = await runtime.PostAsJsonAsync("v1/decide", new { requestId, agentId = StreamOf(name), tool = i % 2 == 0 ? "git" : "shell", operation = "pull" });
            response.EnsureSuccessStatusCode();
            var decision = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(decision.TryGetProperty("auditId", out var auditId) && auditId.GetString()!.StartsWith(StreamOf(name) + "#", StringComparison.Ordinal), decision.ToString());
        }
    }

    /// <summary>Signs a checkpoint now (<c>POST /v1/audit/checkpoints</c>).</summary>
    public async Task CheckpointAsync()
    {
        using var admin = Http();
        var signed = await (await admin.PostAsync("v1/audit/checkpoints", null)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(signed.GetProperty("signed").GetBoolean(), signed.ToString());
    }

    /// <summary>Verifies through the HTTP API (<c>POST /v1/audit/verify</c>).</summary>
    public async Task<JsonElement> VerifyAsync(string query = "")
    {
        using var admin = Http();
        var response = await admin.PostAsync("v1/audit/verify" + query, null);
        Assert.True(response.IsSuccessStatusCode, $"verify: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Verifies with the real CLI (<c>mesh audit verify</c>).</summary>
    public Task<(int Exit, string Out, string Err)> CliVerifyAsync(params string[] extra) =>
        MeshCli.RunAsync(HttpBase, AdminToken, ["audit", "verify", .. extra]);

    /// <summary>Waits until verification finds every record signed (a checkpoint covers each stream's head).</summary>
    public Task UntilEverythingIsSignedAsync() => Poll.UntilAsync(async () =>
    {
        var result = await VerifyAsync();
        Assert.True(result.GetProperty("ok").GetBoolean(), result.ToString());
        return result.GetProperty("unconfirmed").GetInt64() == 0;
    }, Startup, "every audit record to be covered by a signed checkpoint");

    /// <summary>Kills the silo process at once (SIGKILL: nothing it held in memory is written or signed).</summary>
    public void Kill()
    {
        _process?.Kill();
        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the silo process again on the same data folder.</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>The records of a stream as stored, by sequence.</summary>
    public async Task<List<AuditRow>> RowsAsync(string stream)
    {
        var rows = new List<AuditRow>();
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, hash, body FROM audit_records WHERE stream = $s ORDER BY seq";
        command.Parameters.AddWithValue("$s", stream);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var record = AuditCodec.Decode((byte[])reader.GetValue(2));
            rows.Add(AuditRow.From(record, (byte[])reader.GetValue(2), (byte[])reader.GetValue(1)));
        }

        return rows;
    }

    /// <summary>The stored checkpoints: id and the heads each signs.</summary>
    public async Task<List<(long Id, IReadOnlyList<CheckpointHead> Heads)>> CheckpointsAsync()
    {
        var checkpoints = new List<(long, IReadOnlyList<CheckpointHead>)>();
        await using var connection = Open();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, body FROM audit_checkpoints ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            checkpoints.Add((reader.GetInt64(0), AuditCheckpoints.Decode((byte[])reader.GetValue(1))));
        }

        return checkpoints;
    }

    /// <summary>Edits the audit file behind the silo's back; asserts the statement changed something.</summary>
    public async Task TamperAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = Open(write: true);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        Assert.True(await command.ExecuteNonQueryAsync() >= 1, "the tampering changed nothing: " + sql);
    }

    /// <summary>An HTTP client for the API (admin token unless another is given).</summary>
    public HttpClient Http(string? token = null)
    {
        var client = new HttpClient { BaseAddress = HttpBase, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token ?? AdminToken);
        return client;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        Kill();
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }

        return ValueTask.CompletedTask;
    }

    private SqliteConnection Open(bool write = false)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(DataDir, "audit.db"),
            Mode = write ? SqliteOpenMode.ReadWrite : SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        connection.Open();
        return connection;
    }

    private async Task StartProcessAsync()
    {
        var ports = FreePorts.Take(3);
        HttpBase = new Uri($"http://127.0.0.1:{ports[2]}");
        _process = new SiloProcess(
            [
                "--data-dir", DataDir, "--silo-port", ports[0].ToString(CultureInfo.InvariantCulture), "--gateway-port", ports[1].ToString(CultureInfo.InvariantCulture),
                "--http-url", HttpBase.ToString().TrimEnd('/'), "--Mesh:Audit:CheckpointInterval", _checkpointInterval, "--Mesh:FreeAuthFailures", "100000",
            ],
            []);
        await _process.WaitForOutputAsync("Mesh ready", Startup);
    }
}
