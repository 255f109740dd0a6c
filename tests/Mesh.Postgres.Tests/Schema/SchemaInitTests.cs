using Mesh.Testing.Postgres;

namespace Mesh.Postgres.Tests.Schema;

/// <summary><see cref="PostgresSchema.ApplyAsync"/>: applies everything once, is harmless again, takes turns, repairs.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SchemaInitTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task Init_on_an_empty_database_applies_every_script_and_check_finds_it_complete()
    {
        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);
        var lines = new List<string>();

        var result = await PostgresSchema.ApplyAsync(db, new Lines(lines));
        var report = await PostgresSchema.CheckAsync(db);

        Assert.Equal(["001_orleans_query", "002_orleans_clustering", "003_orleans_persistence", "004_orleans_reminders", "005_mesh", "006_audit"], result.Scripts.Select(s => s.Name));
        Assert.All(result.Scripts, s => Assert.Equal(PostgresScriptStatus.Applied, s.Status));
        Assert.False(result.WasUpToDate);
        Assert.Equal(result.Scripts.Select(s => $"{s.Name}: applied"), lines);
        Assert.True(report.IsComplete, report.Summary);
        Assert.Empty(report.UnknownScripts);

        // The version table holds each script with the checksum of its text.
        var recorded = await Sql.ListAsync<string>(db, "SELECT name || '=' || sha256 FROM mesh_schema_version ORDER BY version");
        Assert.Equal(result.Scripts.Select(s => $"{s.Name}={s.Sha256}"), recorded);
        Assert.All(result.Scripts, s => Assert.Equal(SchemaScripts.Hash(SchemaScripts.All.Single(x => x.Name == s.Name).Text), s.Sha256));
    }

    [PostgresFact]
    public async Task The_scripts_insert_exactly_the_Orleans_queries_the_check_requires()
    {
        var db = await postgres.Server.CreateDatabaseAsync();

        var keys = await Sql.ListAsync<string>(db, "SELECT QueryKey FROM OrleansQuery ORDER BY QueryKey");

        Assert.Equal(SchemaCatalog.QueryKeys.Select(q => q.Key).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        Assert.Equal(21, keys.Count);
    }

    [PostgresFact]
    public async Task A_second_init_changes_nothing_and_keeps_the_data()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await Sql.ExecuteAsync(db, "INSERT INTO orleans_reminders VALUES ('svc', 'g/1', 'r', now(), 60000, 7, 1)");
        var appliedAt = await Sql.ListAsync<DateTime>(db, "SELECT applied_at FROM mesh_schema_version ORDER BY version");
        var queries = await Sql.ListAsync<string>(db, "SELECT QueryKey || QueryText FROM OrleansQuery ORDER BY QueryKey");

        var again = await PostgresSchema.ApplyAsync(db);

        Assert.True(again.WasUpToDate);
        Assert.Empty(again.Changed);
        Assert.All(again.Scripts, s => Assert.Equal(PostgresScriptStatus.AlreadyApplied, s.Status));
        Assert.Equal(appliedAt, await Sql.ListAsync<DateTime>(db, "SELECT applied_at FROM mesh_schema_version ORDER BY version"));
        Assert.Equal(queries, await Sql.ListAsync<string>(db, "SELECT QueryKey || QueryText FROM OrleansQuery ORDER BY QueryKey"));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminders"));
    }

    [PostgresFact]
    public async Task Every_script_run_again_over_itself_is_harmless()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await Sql.ExecuteAsync(db, "INSERT INTO orleans_reminders VALUES ('svc', 'g/1', 'r', now(), 60000, 7, 1)");

        // A newer Mesh with a changed script looks like this: the recorded checksums differ, so init re-runs them all.
        await Sql.ExecuteAsync(db, "UPDATE mesh_schema_version SET sha256 = 'old'");
        var result = await PostgresSchema.ApplyAsync(db);

        Assert.All(result.Scripts, s => Assert.Equal(PostgresScriptStatus.Reapplied, s.Status));
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminders"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM mesh_schema_version WHERE sha256 = 'old'"));
    }

    [PostgresFact]
    public async Task Concurrent_inits_both_succeed_and_only_one_applies_the_scripts()
    {
        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => PostgresSchema.ApplyAsync(db))));

        Assert.Single(results, r => r.Scripts.All(s => s.Status == PostgresScriptStatus.Applied));
        Assert.Equal(3, results.Count(r => r.WasUpToDate));
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
        Assert.Equal(6L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM mesh_schema_version"));
    }

    [PostgresFact]
    public async Task Init_repairs_a_dropped_table_and_a_deleted_query()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await Sql.ExecuteAsync(db, "DROP TABLE orleans_reminders; DELETE FROM OrleansQuery WHERE QueryKey = 'WriteToStorageKey'");

        var result = await PostgresSchema.ApplyAsync(db);

        Assert.Equal(
            ["003_orleans_persistence", "004_orleans_reminders"],
            result.Scripts.Where(s => s.Status == PostgresScriptStatus.Repaired).Select(s => s.Name));
        Assert.Equal(2, result.Changed.Count);
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
    }

    [PostgresFact]
    public async Task A_failing_script_is_rolled_back_whole_and_reported_by_name()
    {
        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);

        // A view where script 004 expects its table: CREATE TABLE IF NOT EXISTS passes, the index on it fails.
        await Sql.ExecuteAsync(db, "CREATE VIEW orleans_reminders AS SELECT 1 AS x");
        var failure = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.ApplyAsync(db));

        Assert.Equal(PostgresSchemaError.ScriptFailed, failure.Error);
        Assert.Contains("004_orleans_reminders", failure.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back", failure.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], await Sql.ListAsync<int>(db, "SELECT version FROM mesh_schema_version ORDER BY version"));
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM OrleansQuery WHERE QueryKey LIKE '%Reminder%' OR QueryKey LIKE 'ReadRange%'"));

        // Once the obstacle is gone, init finishes the job.
        await Sql.ExecuteAsync(db, "DROP VIEW orleans_reminders");
        var result = await PostgresSchema.ApplyAsync(db);
        Assert.Equal(["004_orleans_reminders", "005_mesh", "006_audit"], result.Changed.Select(s => s.Name));
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
    }

    private sealed class Lines(List<string> lines) : IProgress<string>
    {
        public void Report(string value) => lines.Add(value);
    }
}
