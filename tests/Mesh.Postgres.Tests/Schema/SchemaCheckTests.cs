using Mesh.Testing.Postgres;

namespace Mesh.Postgres.Tests.Schema;

/// <summary><see cref="PostgresSchema.CheckAsync"/>: reports exactly what is missing.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaCheckTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task Check_on_an_empty_database_reports_every_script_table_function_and_query_missing()
    {
        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);

        var report = await PostgresSchema.CheckAsync(db);

        Assert.False(report.IsComplete);
        Assert.Equal(SchemaScripts.All.Select(s => s.Name), report.MissingScripts);
        Assert.Equal(
            ["orleansquery", "orleans_membership_version", "orleans_membership", "orleans_storage", "orleans_reminders", "mesh_schema_version", "audit_records", "audit_checkpoints"],
            report.MissingTables);
        Assert.Equal(["mesh_orleans_insert_member", "mesh_orleans_update_member", "mesh_audit_append_only"], report.MissingFunctions);
        Assert.Equal(21, report.MissingQueries.Count);
        Assert.Contains(new PostgresMissingQuery("clustering", "CleanupDefunctSiloEntriesKey"), report.MissingQueries);
        Assert.Contains(new PostgresMissingQuery("persistence", "DeleteStorageKey"), report.MissingQueries);
        Assert.Contains(new PostgresMissingQuery("reminders", "ReadRangeRows2Key"), report.MissingQueries);
        Assert.Empty(report.ChangedScripts);
        Assert.Contains("mesh db init", report.Summary, StringComparison.Ordinal);
        Assert.StartsWith($"The Mesh schema on {PostgresSchema.DescribeTarget(db)} is incomplete: scripts not applied (6)", report.Summary, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Check_notices_a_deleted_query_row_and_a_dropped_table()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);

        await Sql.ExecuteAsync(db, "DELETE FROM OrleansQuery WHERE QueryKey = 'UpsertReminderRowKey'");
        await Sql.ExecuteAsync(db, "DROP TABLE orleans_storage");
        var report = await PostgresSchema.CheckAsync(db);

        Assert.False(report.IsComplete);
        Assert.Equal([new PostgresMissingQuery("reminders", "UpsertReminderRowKey")], report.MissingQueries);
        Assert.Equal(["orleans_storage"], report.MissingTables);
        Assert.Empty(report.MissingScripts);
        Assert.Empty(report.MissingFunctions);
        Assert.Contains("reminders/UpsertReminderRowKey", report.Summary, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Check_notices_a_dropped_function_and_a_changed_script_and_ignores_scripts_from_a_newer_mesh()
    {
        var db = await postgres.Server.CreateDatabaseAsync();

        await Sql.ExecuteAsync(db, "DROP FUNCTION mesh_orleans_update_member");
        await Sql.ExecuteAsync(db, "UPDATE mesh_schema_version SET sha256 = 'abc' WHERE version = 3");
        await Sql.ExecuteAsync(db, "INSERT INTO mesh_schema_version (version, name, sha256) VALUES (99, '099_future', 'f')");
        var report = await PostgresSchema.CheckAsync(db);

        Assert.False(report.IsComplete);
        Assert.Equal(["mesh_orleans_update_member"], report.MissingFunctions);
        var changed = Assert.Single(report.ChangedScripts);
        Assert.Equal("003_orleans_persistence", changed.Name);
        Assert.Equal("abc", changed.RecordedSha256);
        Assert.Equal(SchemaScripts.All.Single(s => s.Version == 3).Sha256, changed.ExpectedSha256);
        Assert.Equal(["099_future"], report.UnknownScripts);

        // Unknown scripts alone do not make the schema incomplete.
        await PostgresSchema.ApplyAsync(db);
        var after = await PostgresSchema.CheckAsync(db);
        Assert.True(after.IsComplete, after.Summary);
        Assert.Equal(["099_future"], after.UnknownScripts);
    }

    [PostgresFact]
    public async Task Check_is_quick_enough_for_every_silo_start()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await PostgresSchema.CheckAsync(db);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var i = 0; i < 10; i++)
        {
            Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
        }

        // Two round trips on a pooled connection: milliseconds. The bound only catches something badly wrong.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"10 checks took {clock.Elapsed.TotalMilliseconds:0} ms");
    }
}
