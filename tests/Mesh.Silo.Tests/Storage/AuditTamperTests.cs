using Mesh.Contracts.Audit;
using Mesh.Grains.Audit;
using Mesh.Grains.Hosting;
using Mesh.Silo.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Storage;

/// <summary>
/// Someone with write access to the embedded audit file changes it behind Mesh's back; verification must name the
/// first broken record and what was done to it. Each test builds one signed stream of six records in a real SQLite
/// file, tampers with it in SQL, and verifies.
/// </summary>
public sealed class AuditTamperTests : IDisposable
{
    private const string Stream = "acme/bot";
    private readonly string _folder = Directory.CreateTempSubdirectory("mesh-audit-tamper-").FullName;
    private readonly SqliteAuditStore _store;
    private readonly AuditSigningKey _key;
    private readonly AuditCheckpointer _checkpointer;
    private readonly List<AuditRow> _rows = [];

    // The records are written one second apart from 09:00:01; the clock reads shortly after, inside the coverage window
    // (3 intervals of 30 s), unless a test moves it on.
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 30, TimeSpan.Zero));
    private readonly MeshGrainOptions _options = new();

    public AuditTamperTests()
    {
        _options.TimeProvider = _clock;
        _options.Audit.CheckpointInterval = TimeSpan.FromSeconds(30);
        _store = new SqliteAuditStore(Path.Combine(_folder, "audit.db"));
        _key = AuditSigningKey.Load(Path.Combine(_folder, "key.pem"), []);
        _checkpointer = new AuditCheckpointer(_store, _key, Options.Create(_options), NullLogger<AuditCheckpointer>.Instance);
    }

    [Fact]
    public async Task An_untouched_store_verifies_and_counts_what_no_checkpoint_covers_yet()
    {
        await WriteAsync(records: 6, checkpointAfter: [3]);

        var result = await VerifyAsync();

        Assert.True(result.Ok, Describe(result));
        Assert.Equal(6, result.Records);
        Assert.Equal(1, result.Checkpoints);
        Assert.Equal(3, result.Unconfirmed);
    }

    [Fact]
    public async Task An_unsigned_tail_older_than_the_coverage_window_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [3]);
        _clock.Advance(TimeSpan.FromMinutes(2));

        var result = await VerifyAsync();

        AssertProblem(result, "unsigned", 4);
        Assert.Contains("#4 to #6", result.Problems[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_strict_window_requires_every_record_to_be_signed()
    {
        await WriteAsync(records: 6, checkpointAfter: [3]);

        AssertProblem(await new AuditVerifier(_store, _key, Options.Create(_options)).VerifyAsync(null, 0, CancellationToken.None), "unsigned", 4);
    }

    [Fact]
    public async Task A_store_whose_checkpoints_were_all_deleted_fails()
    {
        await WriteAsync(records: 6, checkpointAfter: [3, 6]);
        await ExecuteAsync("DELETE FROM audit_checkpoints");
        _clock.Advance(TimeSpan.FromMinutes(2));

        var result = await VerifyAsync();

        Assert.False(result.Ok);
        Assert.Equal(0, result.Checkpoints);
        Assert.Contains(result.Problems, p => p.Kind == "unsigned" && p.Stream is null && p.Message.Contains("no trusted checkpoint", StringComparison.Ordinal));
        Assert.Contains(result.Problems, p => p.Kind == "unsigned" && p.Sequence == 1);
    }

    [Fact]
    public async Task An_older_checkpoint_left_in_place_of_deleted_newer_ones_is_caught_by_coverage()
    {
        await WriteAsync(records: 6, checkpointAfter: [2, 4, 6]);
        await ExecuteAsync("DELETE FROM audit_checkpoints WHERE id > (SELECT min(id) FROM audit_checkpoints)");
        _clock.Advance(TimeSpan.FromMinutes(2));

        AssertProblem(await VerifyAsync(), "unsigned", 3);
    }

    [Fact]
    public async Task An_old_checkpoint_stored_again_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [3, 6]);
        await ExecuteAsync("INSERT INTO audit_checkpoints (time_us, writer, key_id, public_key, body, signature) "
            + "SELECT time_us, writer, key_id, public_key, body, signature FROM audit_checkpoints WHERE id = (SELECT min(id) FROM audit_checkpoints)");

        var result = await VerifyAsync();

        Assert.Equal("replayed_checkpoint", Assert.Single(result.Problems).Kind);
    }

    [Fact]
    public async Task Checkpoints_of_one_silo_stored_out_of_their_signing_order_are_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [3]);
        _clock.Advance(TimeSpan.FromSeconds(5));
        _checkpointer.Note([_rows[5]]);
        Assert.NotNull(await _checkpointer.CheckpointNowAsync(CancellationToken.None));
        // Swap the two rows' ids: the older checkpoint now stands after the newer one.
        await ExecuteAsync("UPDATE audit_checkpoints SET id = id + 100");
        await ExecuteAsync("UPDATE audit_checkpoints SET id = CASE id WHEN 101 THEN 2 ELSE 1 END");

        var result = await VerifyAsync();

        Assert.Contains(result.Problems, p => p.Kind == "replayed_checkpoint");
    }

    [Fact]
    public async Task An_edited_column_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [6]);
        await ExecuteAsync("UPDATE audit_records SET effect = 'allow' WHERE stream = $s AND seq = 3");

        AssertProblem(await VerifyAsync(), "edited", 3);
    }

    [Fact]
    public async Task An_edited_body_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [6]);
        var body = (byte[])_rows[3].Body.Clone();
        body[^40] ^= 0x01;
        await ExecuteAsync("UPDATE audit_records SET body = $b WHERE stream = $s AND seq = 4", ("$b", body));

        AssertProblem(await VerifyAsync(), "edited", 4);
    }

    [Fact]
    public async Task A_deleted_record_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [6]);
        await ExecuteAsync("DELETE FROM audit_records WHERE stream = $s AND seq = 3");

        AssertProblem(await VerifyAsync(), "deleted", 3);
    }

    [Fact]
    public async Task A_deleted_record_with_the_rest_renumbered_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [6]);
        await ExecuteAsync("DELETE FROM audit_records WHERE stream = $s AND seq = 3");
        for (var seq = 4; seq <= 6; seq++)
        {
            await ExecuteAsync($"UPDATE audit_records SET seq = {seq - 1} WHERE stream = $s AND seq = {seq}");
        }

        AssertProblem(await VerifyAsync(), "deleted", 3);
    }

    [Fact]
    public async Task Two_swapped_records_are_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [6]);
        await ExecuteAsync("UPDATE audit_records SET seq = -1 WHERE stream = $s AND seq = 3");
        await ExecuteAsync("UPDATE audit_records SET seq = 3 WHERE stream = $s AND seq = 4");
        await ExecuteAsync("UPDATE audit_records SET seq = 4 WHERE stream = $s AND seq = -1");

        AssertProblem(await VerifyAsync(), "reordered", 3);
    }

    [Fact]
    public async Task A_truncated_tail_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [6]);
        await ExecuteAsync("DELETE FROM audit_records WHERE stream = $s AND seq >= 5");

        AssertProblem(await VerifyAsync(), "truncated", 5);
    }

    [Fact]
    public async Task An_inserted_record_with_a_valid_link_and_hash_is_named()
    {
        await WriteAsync(records: 6, checkpointAfter: [6]);
        for (var seq = 6; seq >= 4; seq--)
        {
            await ExecuteAsync($"UPDATE audit_records SET seq = {seq + 1} WHERE stream = $s AND seq = {seq}");
        }

        var forged = AuditRow.From(Record(4, _rows[2].HashHex) with { Message = "nothing to see here" });
        await _store.AppendAsync([forged], CancellationToken.None);

        AssertProblem(await VerifyAsync(), "inserted", 4);
    }

    [Fact]
    public async Task A_rewritten_chain_with_recomputed_hashes_is_caught_by_the_signed_checkpoint()
    {
        await WriteAsync(records: 6, checkpointAfter: [3, 6]);
        // The attacker turns deny into allow in #4 and recomputes every hash after it: the chain is consistent again.
        var previous = _rows[2].HashHex;
        for (var seq = 4; seq <= 6; seq++)
        {
            var original = AuditCodec.Decode(_rows[seq - 1].Body);
            var rewritten = AuditRow.From(original with { PreviousHash = previous, Effect = seq == 4 ? "allow" : original.Effect });
            await ExecuteAsync($"UPDATE audit_records SET body = $b, hash = $h, effect = $e WHERE stream = $s AND seq = {seq}",
                ("$b", rewritten.Body), ("$h", rewritten.Hash), ("$e", rewritten.Effect!));
            previous = rewritten.HashHex;
        }

        AssertProblem(await VerifyAsync(), "forged", 4);
    }

    [Fact]
    public async Task A_checkpoint_signed_with_the_attackers_own_key_is_not_trusted()
    {
        await WriteAsync(records: 3, checkpointAfter: []);
        using var attacker = AuditSigningKey.Load(null, []);
        var body = AuditCheckpoints.Encode(DateTimeOffset.UnixEpoch, "attacker", [new CheckpointHead(Stream, 3, _rows[2].Hash)]);
        await _store.AppendCheckpointAsync(new AuditCheckpoint(0, DateTimeOffset.UnixEpoch, "attacker", attacker.KeyId, attacker.PublicKey, body, attacker.Sign(body)), CancellationToken.None);

        var result = await VerifyAsync();

        Assert.Equal("untrusted_checkpoint", Assert.Single(result.Problems).Kind);
        Assert.Equal(0, result.Checkpoints);
    }

    [Fact]
    public async Task A_checkpoint_whose_heads_were_edited_fails_its_signature()
    {
        await WriteAsync(records: 3, checkpointAfter: [3]);
        await ExecuteAsync("UPDATE audit_checkpoints SET body = $b", ("$b", AuditCheckpoints.Encode(DateTimeOffset.UnixEpoch, "x", [new CheckpointHead(Stream, 2, _rows[1].Hash)])));

        Assert.Equal("bad_checkpoint", Assert.Single((await VerifyAsync()).Problems).Kind);
    }

    public void Dispose()
    {
        _checkpointer.Dispose();
        _key.Dispose();
        _store.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    private static void AssertProblem(AuditVerification result, string kind, long sequence)
    {
        Assert.False(result.Ok);
        var problem = Assert.Single(result.Problems);
        Assert.True(problem.Kind == kind && problem.Sequence == sequence, $"expected {kind} at #{sequence}, got: {Describe(result)}");
        Assert.Equal($"{Stream}#{sequence}", problem.RecordId);
    }

    private static string Describe(AuditVerification result) =>
        string.Join("; ", result.Problems.Select(p => $"{p.Kind} #{p.Sequence}: {p.Message}"));

    private Task<AuditVerification> VerifyAsync() => new AuditVerifier(_store, _key, Options.Create(_options)).VerifyAsync(null, CancellationToken.None);

    private async Task WriteAsync(int records, int[] checkpointAfter)
    {
        var previous = AuditText.GenesisHash;
        for (var seq = _rows.Count + 1; seq <= records; seq++)
        {
            var row = AuditRow.From(Record(seq, previous));
            await _store.AppendAsync([row], CancellationToken.None);
            _rows.Add(row);
            _checkpointer.Note([row]);
            if (checkpointAfter.Contains(seq))
            {
                Assert.NotNull(await _checkpointer.CheckpointNowAsync(CancellationToken.None));
            }

            previous = row.HashHex;
        }
    }

    private static AuditRecord Record(long sequence, string previous) => new()
    {
        Stream = Stream,
        Sequence = sequence,
        Time = AuditText.ToMicroseconds(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero).AddSeconds(sequence)),
        Kind = AuditKind.Decision,
        Tenant = "acme",
        Actor = Stream,
        AgentId = Stream,
        RequestId = $"req-{sequence}",
        Effect = "deny",
        Reason = "policy",
        RuleId = "no-prod-writes",
        PolicyVersion = 7,
        Message = $"Denied by policy rule 'no-prod-writes' ({sequence}).",
        Request = new AuditedRequest { Tool = "db", Operation = "write", Target = "prod/orders" },
        PreviousHash = previous,
    };

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "audit.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$s", Stream);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        Assert.True(await command.ExecuteNonQueryAsync() >= 1, "the tampering changed nothing: " + sql);
    }
}
