using Npgsql;

namespace Mesh.Postgres;

/// <summary>
/// Applies and checks the schema cluster mode needs (the scripts of <c>deploy/sql</c>, embedded in this assembly):
/// the tables and queries of Orleans' ADO.NET clustering, grain state and reminders providers, and Mesh's own tables.
/// </summary>
/// <remarks>
/// <para><c>mesh db init</c> calls <see cref="ApplyAsync"/>; cluster-mode silos call <see cref="CheckAsync"/> at start-up
/// and refuse to start on an incomplete schema.</para>
/// <para>Every script is idempotent and runs in its own transaction together with its row in
/// <c>mesh_schema_version</c> (version, name, SHA-256 of its text): a script is either applied and recorded, or
/// neither. A script recorded with a different SHA-256 than the one embedded (a newer Mesh changed it) is applied
/// again and its record updated, rather than refused: the scripts are written to be re-run over any earlier
/// version of themselves. So is a script recorded as applied whose tables, functions or queries have since been
/// dropped: <see cref="ApplyAsync"/> always ends with a schema <see cref="CheckAsync"/> finds complete.</para>
/// </remarks>
public static class PostgresSchema
{
    // pg_advisory_lock key for "a schema change is running on this database" (advisory locks are per database).
    // The bytes spell "MESHDBIN".
    private const long ApplyLockKey = 0x4D45_5348_4442_494E;

    /// <summary>
    /// Applies, in order, every script not yet applied, applied with another text, or whose tables, functions or
    /// queries are missing. Safe to run any number of times and from several places at once (two silos, two
    /// operators): a PostgreSQL advisory lock makes them take turns, and the later ones find the work done.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string; the user needs CREATE on the database's schema.</param>
    /// <param name="progress">Receives a line per script (and a note when waiting for another run), for people.</param>
    /// <param name="cancellationToken">Cancels the run; the script in progress is rolled back.</param>
    /// <returns>Each script with what was done with it.</returns>
    /// <exception cref="PostgresSchemaException">Cannot connect, bad credentials, no such database, missing privilege or a failing script.</exception>
    public static async Task<PostgresSchemaResult> ApplyAsync(string connectionString, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        var target = PostgresTarget.Parse(connectionString);
        var connection = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                await LockAsync(connection, progress, cancellationToken).ConfigureAwait(false);
                try
                {
                    return new PostgresSchemaResult(target.Display, await ApplyLockedAsync(connection, target, progress, cancellationToken).ConfigureAwait(false));
                }
                finally
                {
                    await UnlockAsync(connection).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not PostgresSchemaException && PostgresTarget.IsDatabaseFailure(ex, cancellationToken))
            {
                throw target.Translate(ex, connected: true);
            }
        }
    }

    /// <summary>
    /// Reports what the database lacks: scripts not recorded or recorded with another text, tables, functions and
    /// Orleans queries. Reads only the catalogs and two small tables, in two round trips, so a silo can call it at
    /// every start.
    /// </summary>
    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>The report; <see cref="PostgresSchemaReport.IsComplete"/> says whether a silo can start.</returns>
    /// <exception cref="PostgresSchemaException">Cannot connect, bad credentials, no such database or missing privilege.</exception>
    public static async Task<PostgresSchemaReport> CheckAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var target = PostgresTarget.Parse(connectionString);
        var connection = await target.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                return await CheckOpenAsync(connection, target, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not PostgresSchemaException && PostgresTarget.IsDatabaseFailure(ex, cancellationToken))
            {
                throw target.Translate(ex, connected: true);
            }
        }
    }

    /// <summary>
    /// Describes the server and database a connection string names as <c>user@host:port/database</c>, without the
    /// password, for messages and logs.
    /// </summary>
    /// <exception cref="PostgresSchemaException">The connection string cannot be parsed.</exception>
    public static string DescribeTarget(string connectionString) => PostgresTarget.Parse(connectionString).Display;

    private static async Task LockAsync(NpgsqlConnection connection, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        tryLock.Parameters.AddWithValue("key", ApplyLockKey);
        if (await tryLock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
        {
            return;
        }

        progress?.Report("Waiting for another `mesh db init` on this database to finish…");
        await using var waitLock = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection) { CommandTimeout = 0 };
        waitLock.Parameters.AddWithValue("key", ApplyLockKey);
        await waitLock.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task UnlockAsync(NpgsqlConnection connection)
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", ApplyLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (NpgsqlException)
        {
            // The connection is gone, and a session's advisory locks go with it.
        }
    }

    private static async Task<List<PostgresScriptOutcome>> ApplyLockedAsync(
        NpgsqlConnection connection, PostgresTarget target, IProgress<string>? progress, CancellationToken cancellationToken)
    {
        await using (var bootstrap = new NpgsqlCommand(SchemaCatalog.VersionTableDdl, connection))
        {
            try
            {
                await bootstrap.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex)
            {
                throw target.ScriptFailed(SchemaCatalog.VersionTable, ex);
            }
        }

        // What is recorded, and what is really there: a script recorded as applied whose tables, functions or
        // queries were dropped since is applied again, so that init always ends with a complete schema.
        var before = await CheckOpenAsync(connection, target, cancellationToken).ConfigureAwait(false);
        var damaged = SchemaCatalog.ScriptsToRepair(before);
        var stale = before.ChangedScripts.ToDictionary(c => c.Name, c => c.RecordedSha256);
        var missing = before.MissingScripts.ToHashSet();

        var outcomes = new List<PostgresScriptOutcome>(SchemaScripts.All.Count);
        foreach (var script in SchemaScripts.All)
        {
            var status = missing.Contains(script.Name) ? PostgresScriptStatus.Applied
                : stale.ContainsKey(script.Name) ? PostgresScriptStatus.Reapplied
                : damaged.Contains(script.Version) ? PostgresScriptStatus.Repaired
                : PostgresScriptStatus.AlreadyApplied;
            if (status != PostgresScriptStatus.AlreadyApplied)
            {
                await ApplyScriptAsync(connection, target, script, cancellationToken).ConfigureAwait(false);
            }

            outcomes.Add(new PostgresScriptOutcome(script.Version, script.Name, script.Sha256, status));
            progress?.Report(status switch
            {
                PostgresScriptStatus.Applied => $"{script.Name}: applied",
                PostgresScriptStatus.Reapplied => $"{script.Name}: changed since it was applied (SHA-256 {stale[script.Name][..12]}…), applied again",
                PostgresScriptStatus.Repaired => $"{script.Name}: some of its objects were missing, applied again",
                _ => $"{script.Name}: already applied",
            });
        }

        return outcomes;
    }

    private static async Task ApplyScriptAsync(NpgsqlConnection connection, PostgresTarget target, SchemaScript script, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            try
            {
                await using (var apply = new NpgsqlCommand(script.Text, connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var record = new NpgsqlCommand(
                    $"""
                    INSERT INTO {SchemaCatalog.VersionTable} (version, name, sha256) VALUES (@version, @name, @sha256)
                    ON CONFLICT (version) DO UPDATE SET name = EXCLUDED.name, sha256 = EXCLUDED.sha256, applied_at = now()
                    """,
                    connection,
                    transaction))
                {
                    record.Parameters.AddWithValue("version", script.Version);
                    record.Parameters.AddWithValue("name", script.Name);
                    record.Parameters.AddWithValue("sha256", script.Sha256);
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException ex)
            {
                throw target.ScriptFailed(script.Name, ex);
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<PostgresSchemaReport> CheckOpenAsync(NpgsqlConnection connection, PostgresTarget target, CancellationToken cancellationToken)
    {
        // Round trip 1: which tables and functions exist, as the connection resolves names (its search path).
        var tables = new HashSet<string>(StringComparer.Ordinal);
        var functions = new HashSet<string>(StringComparer.Ordinal);
        var triggers = new HashSet<string>(StringComparer.Ordinal);
        var catalogs = connection.CreateBatch();
        await using (catalogs.ConfigureAwait(false))
        {
            var tableQuery = new NpgsqlBatchCommand(
                "SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relname = ANY(@names) AND c.relkind IN ('r', 'p') AND pg_catalog.pg_table_is_visible(c.oid)");
            tableQuery.Parameters.AddWithValue("names", SchemaCatalog.Tables.Select(t => t.Name).ToArray());
            var functionQuery = new NpgsqlBatchCommand(
                "SELECT p.proname FROM pg_catalog.pg_proc p WHERE p.proname = ANY(@names) AND pg_catalog.pg_function_is_visible(p.oid)");
            functionQuery.Parameters.AddWithValue("names", SchemaCatalog.Functions.Select(f => f.Name).ToArray());
            // Enabled triggers on visible tables ('D' is disabled; 'O', 'A' and 'R' fire).
            var triggerQuery = new NpgsqlBatchCommand(
                "SELECT t.tgname FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid "
                + "WHERE t.tgname = ANY(@names) AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND pg_catalog.pg_table_is_visible(c.oid)");
            triggerQuery.Parameters.AddWithValue("names", SchemaCatalog.Triggers.Select(t => t.Name).ToArray());
            catalogs.BatchCommands.Add(tableQuery);
            catalogs.BatchCommands.Add(functionQuery);
            catalogs.BatchCommands.Add(triggerQuery);
            var reader = await catalogs.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                await ReadNamesAsync(reader, tables, cancellationToken).ConfigureAwait(false);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                await ReadNamesAsync(reader, functions, cancellationToken).ConfigureAwait(false);
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                await ReadNamesAsync(reader, triggers, cancellationToken).ConfigureAwait(false);
            }
        }

        // Round trip 2: the recorded scripts and the Orleans query keys, from the tables that exist.
        var recorded = new Dictionary<int, (string Name, string Sha256)>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var hasVersions = tables.Contains(SchemaCatalog.VersionTable);
        var hasQueries = tables.Contains(SchemaCatalog.QueryTable);
        if (hasVersions || hasQueries)
        {
            var rows = connection.CreateBatch();
            await using (rows.ConfigureAwait(false))
            {
                if (hasVersions)
                {
                    rows.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT version, name, sha256 FROM {SchemaCatalog.VersionTable}"));
                }

                if (hasQueries)
                {
                    rows.BatchCommands.Add(new NpgsqlBatchCommand("SELECT QueryKey FROM OrleansQuery"));
                }

                var reader = await rows.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if (hasVersions)
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            recorded[reader.GetInt32(0)] = (reader.GetString(1), reader.GetString(2));
                        }

                        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (hasQueries)
                    {
                        await ReadNamesAsync(reader, keys, cancellationToken).ConfigureAwait(false);
                    }
                }
            }
        }

        var known = SchemaScripts.All.Select(s => s.Version).ToHashSet();
        return new PostgresSchemaReport(
            target.Display,
            missingScripts: [.. SchemaScripts.All.Where(s => !recorded.ContainsKey(s.Version)).Select(s => s.Name)],
            changedScripts:
            [
                .. SchemaScripts.All
                    .Where(s => recorded.TryGetValue(s.Version, out var row) && row.Sha256 != s.Sha256)
                    .Select(s => new PostgresChecksumMismatch(s.Name, s.Sha256, recorded[s.Version].Sha256)),
            ],
            missingTables: [.. SchemaCatalog.Tables.Where(t => !tables.Contains(t.Name)).Select(t => t.Name)],
            missingFunctions: [.. SchemaCatalog.Functions.Where(f => !functions.Contains(f.Name)).Select(f => f.Name)],
            missingQueries: [.. SchemaCatalog.QueryKeys.Where(q => !keys.Contains(q.Key)).Select(q => new PostgresMissingQuery(q.Provider, q.Key))],
            unknownScripts: [.. recorded.Where(r => !known.Contains(r.Key)).OrderBy(r => r.Key).Select(r => r.Value.Name)])
        {
            MissingTriggers = [.. SchemaCatalog.Triggers.Where(t => !triggers.Contains(t.Name)).Select(t => t.Name)],
        };
    }

    private static async Task ReadNamesAsync(NpgsqlDataReader reader, HashSet<string> into, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            into.Add(reader.GetString(0));
        }
    }
}
