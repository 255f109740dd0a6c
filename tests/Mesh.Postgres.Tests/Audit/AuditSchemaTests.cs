using Mesh.Silo.Storage;
using Mesh.Testing.Postgres;
using Npgsql;

namespace Mesh.Postgres.Tests.Audit;

/// <summary>Script 006: the audit tables as the shared SQL expects them, checked by <c>mesh db check</c>, repaired by init.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AuditSchemaTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task The_audit_tables_have_exactly_the_columns_the_shared_sql_reads_and_their_indexes()
    {
        var db = await postgres.Server.CreateDatabaseAsync();

        Assert.Equal(AuditSql.Columns, await ColumnsAsync(db, "audit_records"));
        Assert.Equal(AuditSql.CheckpointColumns, await ColumnsAsync(db, "audit_checkpoints"));
        Assert.Equal(
            "id:bigint:NO, stream:text:NO, seq:bigint:NO, time_us:bigint:NO, kind:integer:NO, tenant:text:NO, agent_id:text:YES, effect:text:YES, "
            + "reason:text:YES, request_id:text:YES, hash:bytea:NO, body:bytea:NO",
            await Sql.ScalarAsync<string>(
                db,
                "SELECT string_agg(column_name || ':' || data_type || ':' || is_nullable, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'audit_records'"));
        Assert.Equal(
            ["audit_checkpoints.id", "audit_records.id"],
            await Sql.ListAsync<string>(
                db,
                "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_name LIKE 'audit%' AND is_identity = 'YES' AND identity_generation = 'ALWAYS' ORDER BY 1"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'audit_checkpoints' AND is_nullable = 'YES'"));
        Assert.Equal(
            [
                "audit_records_agent: (agent_id, id)",
                "audit_records_pkey: (id)",
                "audit_records_request: (request_id)",
                "audit_records_stream_seq: UNIQUE (stream, seq)",
                "audit_records_tenant: (tenant, id)",
            ],
            await Sql.ListAsync<string>(
                db,
                """
                SELECT i.relname || ': ' || CASE WHEN x.indisunique AND NOT x.indisprimary THEN 'UNIQUE ' ELSE '' END
                       || substring(pg_get_indexdef(x.indexrelid) from '\(.*\)$')
                  FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
                 WHERE t.relname = 'audit_records' ORDER BY i.relname
                """));
    }

    [PostgresFact]
    public async Task Check_reports_a_dropped_audit_table_or_trigger_function_and_init_restores_them_with_their_triggers()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
        Assert.Equal(
            ["audit_checkpoints_append_only", "audit_records_append_only"],
            await Sql.ListAsync<string>(db, "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O' ORDER BY tgname"));

        await Sql.ExecuteAsync(db, "DROP TABLE audit_checkpoints; DROP FUNCTION mesh_audit_append_only() CASCADE");
        var report = await PostgresSchema.CheckAsync(db);

        Assert.False(report.IsComplete);
        Assert.Equal(["audit_checkpoints"], report.MissingTables);
        Assert.Equal(["mesh_audit_append_only"], report.MissingFunctions);
        Assert.Contains("audit_checkpoints", report.Summary, StringComparison.Ordinal);

        var result = await PostgresSchema.ApplyAsync(db);

        Assert.Equal(["006_audit"], result.Changed.Select(s => s.Name));
        Assert.Equal(PostgresScriptStatus.Repaired, Assert.Single(result.Changed).Status);
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
        Assert.Equal(
            ["audit_checkpoints_append_only", "audit_records_append_only"],
            await Sql.ListAsync<string>(db, "SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O' ORDER BY tgname"));
        var refused = await Assert.ThrowsAsync<PostgresException>(() => Sql.ExecuteAsync(db, "DELETE FROM audit_checkpoints"));
        Assert.Contains("audit records are append-only", refused.MessageText, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Check_reports_a_disabled_append_only_trigger_and_init_enables_it_again()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await Sql.ExecuteAsync(db, "ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only");

        var report = await PostgresSchema.CheckAsync(db);

        Assert.False(report.IsComplete);
        Assert.Equal(["audit_records_append_only"], report.MissingTriggers);
        Assert.Contains("missing or disabled triggers (1): audit_records_append_only", report.Summary, StringComparison.Ordinal);
        var result = await PostgresSchema.ApplyAsync(db);
        Assert.Equal(PostgresScriptStatus.Repaired, Assert.Single(result.Changed).Status);
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
        await Assert.ThrowsAsync<PostgresException>(() => Sql.ExecuteAsync(db, "DELETE FROM audit_records"));
    }

    [PostgresFact]
    public async Task Running_the_audit_script_again_keeps_the_records()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await using (var store = new PostgresAuditStore(db))
        {
            await store.AppendAsync(AuditRows.Chain("t1/a", 1, 2), CancellationToken.None);
        }

        await Sql.ExecuteAsync(db, "UPDATE mesh_schema_version SET sha256 = 'old' WHERE version = 6");
        var result = await PostgresSchema.ApplyAsync(db);

        Assert.Equal(PostgresScriptStatus.Reapplied, Assert.Single(result.Changed, s => s.Name == "006_audit").Status);
        Assert.Equal(2L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM audit_records"));
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
    }

    private static Task<string> ColumnsAsync(string db, string table) => Sql.ScalarAsync<string>(
        db, "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = @table", ("table", table));
}
