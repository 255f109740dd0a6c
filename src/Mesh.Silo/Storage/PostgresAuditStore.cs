using System.Runtime.CompilerServices;
using Mesh.Grains.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Silo.Storage;

/// <summary>
/// The audit trail of cluster mode, in the tables of <c>deploy/sql/006_audit.sql</c> (which <c>mesh db init</c>
/// creates and the silo checks at start-up). Every silo appends the batches of its own writer; the unique
/// (stream, seq) constraint settles the rare race of two activations of one agent.
/// </summary>
/// <remarks>
/// A batch is one binary COPY: a single statement, so a single transaction, and one round trip for the whole batch
/// rather than one per row. There are no retries here: the writer batches, retries and isolates conflicts.
/// </remarks>
internal sealed class PostgresAuditStore : IAuditStore, IAsyncDisposable, IDisposable
{
    private const string Copy =
        "COPY audit_records (stream, seq, time_us, kind, tenant, agent_id, effect, reason, request_id, hash, body) FROM STDIN (FORMAT BINARY)";

    private readonly NpgsqlDataSource _dataSource;

    public PostgresAuditStore(string connectionString)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name => "postgres";

    public async Task AppendAsync(IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }

        try
        {
            await CopyAsync(rows, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsBrokenConnection(ex))
        {
            // After PostgreSQL restarts, every idle pooled connection is dead; only the first use finds out. Drop them
            // and try once more on a fresh one. (Had the lost batch committed after all, the retry conflicts and the
            // writer fails it closed: the records exist, the decisions are denied.)
            _dataSource.Clear();
            await CopyAsync(rows, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task CopyAsync(IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            try
            {
                // No explicit transaction: outside one, COPY runs in its own, committed before CompleteAsync returns
                // (all rows or none), which saves the BEGIN/COMMIT round trip on the writer's path.
                var import = await connection.BeginBinaryImportAsync(Copy, cancellationToken).ConfigureAwait(false);
                await using (import.ConfigureAwait(false))
                {
                    foreach (var row in rows)
                    {
                        await import.StartRowAsync(cancellationToken).ConfigureAwait(false);
                        await import.WriteAsync(row.Stream, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                        await import.WriteAsync(row.Sequence, NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                        await import.WriteAsync(AuditText.UnixMicroseconds(row.Time), NpgsqlDbType.Bigint, cancellationToken).ConfigureAwait(false);
                        await import.WriteAsync((int)row.Kind, NpgsqlDbType.Integer, cancellationToken).ConfigureAwait(false);
                        await import.WriteAsync(row.Tenant, NpgsqlDbType.Text, cancellationToken).ConfigureAwait(false);
                        await WriteTextAsync(import, row.AgentId, cancellationToken).ConfigureAwait(false);
                        await WriteTextAsync(import, row.Effect, cancellationToken).ConfigureAwait(false);
                        await WriteTextAsync(import, row.Reason, cancellationToken).ConfigureAwait(false);
                        await WriteTextAsync(import, row.RequestId, cancellationToken).ConfigureAwait(false);
                        await import.WriteAsync(row.Hash, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                        await import.WriteAsync(row.Body, NpgsqlDbType.Bytea, cancellationToken).ConfigureAwait(false);
                    }

                    await import.CompleteAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation)
            {
                throw new AuditConflictException(
                    $"An audit record with the same stream and sequence number as one of the {rows.Count} being appended already exists (first: {rows[0].RecordId}); none was written.",
                    ex);
            }
        }
    }

    public async Task<AuditHead?> ReadHeadAsync(string stream, CancellationToken cancellationToken)
    {
        try
        {
            return await ReadHeadOnceAsync(stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsBrokenConnection(ex))
        {
            _dataSource.Clear();
            return await ReadHeadOnceAsync(stream, cancellationToken).ConfigureAwait(false);
        }
    }

    // A connection that died under us (server restarted or terminated it), as opposed to an error of the statement.
    private static bool IsBrokenConnection(Exception ex) => ex switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException => true,
        _ => false,
    };

    private async Task<AuditHead?> ReadHeadOnceAsync(string stream, CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand("SELECT seq, hash FROM audit_records WHERE stream = @stream ORDER BY seq DESC LIMIT 1");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string>("stream", NpgsqlDbType.Text) { TypedValue = stream });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new AuditHead(reader.GetInt64(0), reader.GetFieldValue<byte[]>(1))
                    : null;
            }
        }
    }

    public async IAsyncEnumerable<AuditRow> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand();
        await using (command.ConfigureAwait(false))
        {
            command.CommandText = AuditSql.Select(query, command);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return AuditSql.ReadRow(reader);
                }
            }
        }
    }

    public async IAsyncEnumerable<AuditRow> ReadChainsAsync(string? stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The unique index on (stream, seq) delivers this order without a sort, and the reader hands rows over as
        // they arrive: verifying the whole trail never holds it in memory.
        var command = _dataSource.CreateCommand(
            $"SELECT {AuditSql.Columns} FROM audit_records" + (stream is null ? string.Empty : " WHERE stream = @stream") + " ORDER BY stream, seq");
        await using (command.ConfigureAwait(false))
        {
            if (stream is not null)
            {
                command.Parameters.Add(new NpgsqlParameter<string>("stream", NpgsqlDbType.Text) { TypedValue = stream });
            }

            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return AuditSql.ReadRow(reader);
                }
            }
        }
    }

    public async IAsyncEnumerable<AuditRow> ReadHeadsAsync(long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The streams written recently, then each one's head through the unique index on (stream, seq).
        var command = _dataSource.CreateCommand(
            $"SELECT {AuditSql.Columns} FROM (SELECT DISTINCT stream AS s FROM audit_records WHERE id > @after) recent "
            + $"CROSS JOIN LATERAL (SELECT {AuditSql.Columns} FROM audit_records WHERE stream = recent.s ORDER BY seq DESC LIMIT 1) head");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<long>("after", NpgsqlDbType.Bigint) { TypedValue = afterId });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return AuditSql.ReadRow(reader);
                }
            }
        }
    }

    public async Task<AuditRow?> ReadRecordAsync(string stream, long sequence, CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand($"SELECT {AuditSql.Columns} FROM audit_records WHERE stream = @stream AND seq = @seq");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<string>("stream", NpgsqlDbType.Text) { TypedValue = stream });
            command.Parameters.Add(new NpgsqlParameter<long>("seq", NpgsqlDbType.Bigint) { TypedValue = sequence });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? AuditSql.ReadRow(reader) : null;
            }
        }
    }

    public async Task AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand(
            "INSERT INTO audit_checkpoints (time_us, writer, key_id, public_key, body, signature) VALUES (@time, @writer, @key, @public, @body, @signature)");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<long>("time", NpgsqlDbType.Bigint) { TypedValue = AuditText.UnixMicroseconds(checkpoint.Time) });
            command.Parameters.Add(new NpgsqlParameter<string>("writer", NpgsqlDbType.Text) { TypedValue = checkpoint.Writer });
            command.Parameters.Add(new NpgsqlParameter<string>("key", NpgsqlDbType.Text) { TypedValue = checkpoint.KeyId });
            command.Parameters.Add(new NpgsqlParameter<byte[]>("public", NpgsqlDbType.Bytea) { TypedValue = checkpoint.PublicKey });
            command.Parameters.Add(new NpgsqlParameter<byte[]>("body", NpgsqlDbType.Bytea) { TypedValue = checkpoint.Body });
            command.Parameters.Add(new NpgsqlParameter<byte[]>("signature", NpgsqlDbType.Bytea) { TypedValue = checkpoint.Signature });
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async IAsyncEnumerable<AuditCheckpoint> ReadCheckpointsAsync(long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var command = _dataSource.CreateCommand($"SELECT {AuditSql.CheckpointColumns} FROM audit_checkpoints WHERE id > @after ORDER BY id");
        await using (command.ConfigureAwait(false))
        {
            command.Parameters.Add(new NpgsqlParameter<long>("after", NpgsqlDbType.Bigint) { TypedValue = afterId });
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    yield return AuditSql.ReadCheckpoint(reader);
                }
            }
        }
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    public void Dispose() => _dataSource.Dispose();

    private static Task WriteTextAsync(NpgsqlBinaryImporter import, string? value, CancellationToken cancellationToken) =>
        value is null ? import.WriteNullAsync(cancellationToken) : import.WriteAsync(value, NpgsqlDbType.Text, cancellationToken);
}
