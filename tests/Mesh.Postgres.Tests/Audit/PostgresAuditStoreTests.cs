using System.Security.Cryptography;
using Mesh.Contracts.Audit;
using Mesh.Grains.Audit;
using Mesh.Silo.Storage;
using Mesh.Testing.Postgres;
using Npgsql;
using static Mesh.Postgres.Tests.Audit.AuditRows;

namespace Mesh.Postgres.Tests.Audit;

/// <summary><see cref="PostgresAuditStore"/> against a real server: appends, reads back exactly, refuses conflicts whole.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditStoreTests(PostgresFixture postgres)
{
    private static readonly CancellationToken None = CancellationToken.None;

    [PostgresFact]
    public async Task An_appended_batch_reads_back_byte_for_byte_through_query_and_chains()
    {
        await using var store = await NewStoreAsync();
        var chain = Chain("t1/a", 1, 3);
        var others = new[] { Row("t1", 1, Start, AuditKind.OperatorAction, message: "paused t1/a"), Row("_mesh", 1, Start.AddTicks(10), AuditKind.OperatorAction, tenant: "_mesh") };
        AuditRow[] batch = [chain[0], others[0], chain[1], others[1], chain[2]];

        await store.AppendAsync(batch, None);
        var queried = await QueryAsync(store, new AuditQuery());
        var chains = await ChainsAsync(store, null);

        // Query: insertion order, ids increasing.
        AssertSame(batch, queried);
        Assert.True(queried.Zip(queried.Skip(1)).All(p => p.First.Id < p.Second.Id), "ids must increase in insertion order");
        Assert.All(queried, r => Assert.True(r.Id > 0));

        // Chains: by stream then sequence, the same rows.
        AssertSame([others[1], others[0], chain[0], chain[1], chain[2]], chains);
        var second = AuditCodec.Decode(chains[3].Body);
        Assert.Equal(("t1/a", 2L, chain[0].HashHex), (second.Stream, second.Sequence, second.PreviousHash));
    }

    [PostgresFact]
    public async Task Read_chains_orders_by_stream_and_sequence_across_batches_and_filters_by_stream()
    {
        await using var store = await NewStoreAsync();
        var a = Chain("t1/a", 1, 2);
        var b = Chain("t1/b", 1, 2);
        var c = Chain("t2/c", 1, 1);

        await store.AppendAsync([b[0], c[0], a[1]], None);
        await store.AppendAsync([a[0], b[1]], None);

        AssertSame([a[0], a[1], b[0], b[1], c[0]], await ChainsAsync(store, null));
        AssertSame([b[0], b[1]], await ChainsAsync(store, "t1/b"));
        Assert.Empty(await ChainsAsync(store, "t1"));

        // An early stop returns the connection: the store keeps working.
        await foreach (var _ in store.ReadChainsAsync(null, None))
        {
            break;
        }

        await store.AppendAsync(Chain("t1/d", 1, 1), None);
        Assert.Single(await ChainsAsync(store, "t1/d"));
    }

    [PostgresFact]
    public async Task Read_head_is_the_highest_sequence_of_that_stream_only()
    {
        await using var store = await NewStoreAsync();
        Assert.Null(await store.ReadHeadAsync("t1/a", None));

        var a = Chain("t1/a", 1, 5);
        await store.AppendAsync([a[0], a[1], a[2]], None);
        await store.AppendAsync([.. Chain("t1/ab", 1, 9), a[3], a[4]], None);

        var head = await store.ReadHeadAsync("t1/a", None);
        Assert.NotNull(head);
        Assert.Equal(5, head.Sequence);
        Assert.Equal(a[4].Hash, head.Hash);
        Assert.Equal(9, (await store.ReadHeadAsync("t1/ab", None))!.Sequence);
        Assert.Null(await store.ReadHeadAsync("t1", None));
    }

    [PostgresFact]
    public async Task A_batch_with_an_existing_stream_and_sequence_throws_a_conflict_and_writes_none_of_its_rows()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await using var store = new PostgresAuditStore(db);
        var a = Chain("t1/a", 1, 3);
        await store.AppendAsync(a, None);

        // Another writer's record 2 of t1/a, between two rows of a stream that does not conflict.
        var rival = Row("t1/a", 2, Start.AddMinutes(1), agent: "t1/a", effect: "deny", previousHash: a[0].HashHex);
        var b = Chain("t1/b", 1, 2);
        var conflict = await Assert.ThrowsAsync<AuditConflictException>(() => store.AppendAsync([b[0], rival, b[1]], None));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, Assert.IsType<PostgresException>(conflict.InnerException).SqlState);
        Assert.Equal(3L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM audit_records"));
        Assert.Null(await store.ReadHeadAsync("t1/b", None));
        Assert.Equal(a[2].Hash, (await store.ReadHeadAsync("t1/a", None))!.Hash);
        AssertSame(a, await ChainsAsync(store, null));

        // A batch that repeats a (stream, sequence) of its own is refused the same way.
        await Assert.ThrowsAsync<AuditConflictException>(() => store.AppendAsync([b[0], b[1], b[1]], None));
        Assert.Equal(3L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM audit_records"));

        // The writer then retries row by row: the rows that do not conflict go in.
        await store.AppendAsync([b[0]], None);
        await store.AppendAsync([b[1]], None);
        AssertSame([.. a, .. b], await ChainsAsync(store, null));
    }

    [PostgresFact]
    public async Task Any_other_failure_propagates_as_it_is_and_not_as_a_conflict()
    {
        // No schema: the table is missing, which the writer must treat as the store being unavailable.
        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);
        await using var store = new PostgresAuditStore(db);

        var failure = await Assert.ThrowsAsync<PostgresException>(() => store.AppendAsync(Chain("t1/a", 1, 2), None));

        Assert.Equal(PostgresErrorCodes.UndefinedTable, failure.SqlState);
        Assert.Equal("postgres", store.Name);
    }

    [PostgresFact]
    public async Task Every_query_filter_selects_exactly_its_rows()
    {
        await using var store = await NewStoreAsync();
        var t = Start;
        AuditRow[] rows =
        [
            /* 1 */ Row("t1/a", 1, t, AuditKind.Decision, agent: "t1/a", effect: "allow", reason: "rule_allow", request: "r1"),
            /* 2 */ Row("t1/a", 2, t.AddMinutes(1), AuditKind.Outcome, agent: "t1/a", request: "r1"),
            /* 3 */ Row("t1/b", 1, t.AddMinutes(2), AuditKind.Decision, agent: "t1/b", effect: "deny", reason: "default_deny", request: "r2"),
            /* 4 */ Row("t1", 1, t.AddMinutes(3), AuditKind.ApprovalOpened, agent: "t1/b", effect: "require_approval", reason: "approval_required", request: "r3"),
            /* 5 */ Row("t2/c", 1, t.AddMinutes(4), AuditKind.Decision, agent: "t2/c", effect: "deny", reason: "rule_deny", request: "r4"),
            /* 6 */ Row("t1/a", 3, t.AddMinutes(5), AuditKind.Decision, agent: "t1/a", effect: "deny", reason: "rule_deny", request: "r5"),
            /* 7 */ Row("_mesh", 1, t.AddMinutes(6), AuditKind.OperatorAction, tenant: "_mesh"),
            /* 8 */ Row("t2/c", 2, t.AddMinutes(7), AuditKind.Decision, agent: "t2/c", effect: "allow", reason: "rule_allow", request: "r6"),
            /* 9 */ Row("t1", 2, t.AddMinutes(8), AuditKind.OperatorAction, agent: "t1/a"),
            /* 10 */ Row("t1/b", 2, t.AddMinutes(9), AuditKind.Decision, agent: "t1/b", effect: "allow", reason: "rule_allow", request: "r2"),
        ];
        await store.AppendAsync(rows, None);
        var ids = (await QueryAsync(store, new AuditQuery())).ToDictionary(r => r.RecordId, r => r.Id);
        long IdOf(int n) => ids[rows[n - 1].RecordId];

        (string Name, AuditQuery Query, int[] Expected)[] cases =
        [
            ("all", new AuditQuery(), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            ("tenant t1", new AuditQuery { Tenant = "t1" }, [1, 2, 3, 4, 6, 9, 10]),
            ("tenant t2", new AuditQuery { Tenant = "t2" }, [5, 8]),
            ("unknown tenant", new AuditQuery { Tenant = "t3" }, []),
            ("agent t1/a", new AuditQuery { AgentId = "t1/a" }, [1, 2, 6, 9]),
            ("agent t1/b", new AuditQuery { AgentId = "t1/b" }, [3, 4, 10]),
            ("stream t1", new AuditQuery { Stream = "t1" }, [4, 9]),
            ("request r2", new AuditQuery { RequestId = "r2" }, [3, 10]),
            ("kind decision", new AuditQuery { Kinds = [AuditKind.Decision] }, [1, 3, 5, 6, 8, 10]),
            ("kinds outcome, operator", new AuditQuery { Kinds = [AuditKind.Outcome, AuditKind.OperatorAction] }, [2, 7, 9]),
            ("effect deny", new AuditQuery { Effect = "deny" }, [3, 5, 6]),
            ("reason rule_allow", new AuditQuery { Reason = "rule_allow" }, [1, 8, 10]),
            ("from inclusive, to exclusive", new AuditQuery { From = rows[3].Time, To = rows[6].Time }, [4, 5, 6]),
            ("one microsecond after", new AuditQuery { From = rows[3].Time.AddTicks(10), To = rows[6].Time.AddTicks(10) }, [5, 6, 7]),
            ("after id", new AuditQuery { AfterId = IdOf(7) }, [8, 9, 10]),
            ("newest first", new AuditQuery { NewestFirst = true, Tenant = "t2" }, [8, 5]),
            ("newest first, limit", new AuditQuery { NewestFirst = true, Limit = 3 }, [10, 9, 8]),
            ("limit", new AuditQuery { Limit = 2 }, [1, 2]),
            ("limit below 1 is 1", new AuditQuery { Limit = 0 }, [1]),
            ("after id, agent, newest first", new AuditQuery { AfterId = IdOf(2), AgentId = "t1/a", NewestFirst = true }, [9, 6]),
            ("tenant, effect, kind", new AuditQuery { Tenant = "t1", Effect = "allow", Kinds = [AuditKind.Decision] }, [1, 10]),
        ];

        foreach (var (name, query, expected) in cases)
        {
            var found = await QueryAsync(store, query);
            Assert.True(
                expected.Select(n => rows[n - 1].RecordId).SequenceEqual(found.Select(r => r.RecordId)),
                $"{name}: expected [{string.Join(", ", expected)}], got [{string.Join(", ", found.Select(r => Array.FindIndex(rows, x => x.RecordId == r.RecordId) + 1))}]");
            for (var i = 0; i < expected.Length; i++)
            {
                AssertSame(rows[expected[i] - 1], found[i]);
            }
        }
    }

    [PostgresFact]
    public async Task Checkpoints_read_back_exactly_oldest_first()
    {
        await using var store = await NewStoreAsync();
        var first = Checkpoint("silo-a", Start);
        var second = Checkpoint("silo-b", Start.AddMinutes(5).AddTicks(70));

        await store.AppendCheckpointAsync(first, None);
        await store.AppendCheckpointAsync(second, None);
        var read = new List<AuditCheckpoint>();
        await foreach (var checkpoint in store.ReadCheckpointsAsync(0, None))
        {
            read.Add(checkpoint);
        }

        Assert.Equal(2, read.Count);
        Assert.True(read[0].Id > 0 && read[0].Id < read[1].Id);
        foreach (var (expected, actual) in new[] { first, second }.Zip(read))
        {
            Assert.Equal(expected.Time, actual.Time);
            Assert.Equal(expected.Writer, actual.Writer);
            Assert.Equal(expected.KeyId, actual.KeyId);
            Assert.Equal(expected.PublicKey, actual.PublicKey);
            Assert.Equal(expected.Body, actual.Body);
            Assert.Equal(expected.Signature, actual.Signature);
        }
    }

    [PostgresFact]
    public async Task Update_delete_and_truncate_are_refused_by_the_append_only_triggers()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await using var store = new PostgresAuditStore(db);
        var rows = Chain("t1/a", 1, 3);
        await store.AppendAsync(rows, None);
        await store.AppendCheckpointAsync(Checkpoint("silo-a", Start), None);

        string[] statements =
        [
            "UPDATE audit_records SET effect = 'deny' WHERE seq = 2",
            "UPDATE audit_records SET body = body WHERE false",
            "DELETE FROM audit_records WHERE seq = 3",
            "DELETE FROM audit_records WHERE false",
            "TRUNCATE audit_records",
            "UPDATE audit_checkpoints SET writer = 'mallory'",
            "DELETE FROM audit_checkpoints",
            "TRUNCATE audit_checkpoints",
        ];
        foreach (var statement in statements)
        {
            var refused = await Assert.ThrowsAsync<PostgresException>(() => Sql.ExecuteAsync(db, statement));
            Assert.Contains("audit records are append-only", refused.MessageText, StringComparison.Ordinal);
            Assert.Contains(statement.Split(' ')[0], refused.MessageText, StringComparison.Ordinal);
        }

        AssertSame(rows, await ChainsAsync(store, null));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM audit_checkpoints WHERE writer = 'silo-a'"));

        // Inserting stays allowed, also outside Mesh.
        await Sql.ExecuteAsync(db, "INSERT INTO audit_checkpoints (time_us, writer, key_id, public_key, body, signature) VALUES (1, 'w', 'k', '\\x01', '\\x02', '\\x03')");
        Assert.Equal(2L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM audit_checkpoints"));
    }

    private static AuditCheckpoint Checkpoint(string writer, DateTimeOffset time) => new(
        0, time, writer, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), RandomNumberGenerator.GetBytes(91), RandomNumberGenerator.GetBytes(120), RandomNumberGenerator.GetBytes(64));

    private static async Task<List<AuditRow>> QueryAsync(IAuditStore store, AuditQuery query)
    {
        var rows = new List<AuditRow>();
        await foreach (var row in store.QueryAsync(query, None))
        {
            rows.Add(row);
        }

        return rows;
    }

    private static async Task<List<AuditRow>> ChainsAsync(IAuditStore store, string? stream)
    {
        var rows = new List<AuditRow>();
        await foreach (var row in store.ReadChainsAsync(stream, None))
        {
            rows.Add(row);
        }

        return rows;
    }

    private async Task<PostgresAuditStore> NewStoreAsync() => new(await postgres.Server.CreateDatabaseAsync());
}
