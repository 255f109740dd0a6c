using System.Runtime.CompilerServices;
using Mesh.Grains.Audit;
using Microsoft.Data.Sqlite;

namespace Mesh.Silo.Storage;

/// <summary>
/// The audit trail of embedded mode, in its own SQLite file (<c>audit.db</c> in the data folder) so its group commits
/// never wait behind grain-state writes. One writer connection (WAL, <c>synchronous=FULL</c>: a committed batch
/// survives a power cut); readers open their own connections and never block it.
/// </summary>
internal sealed class SqliteAuditStore : IAuditStore, IDisposable
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS audit_records (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            stream TEXT NOT NULL,
            seq INTEGER NOT NULL,
            time_us INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            tenant TEXT NOT NULL,
            agent_id TEXT,
            effect TEXT,
            reason TEXT,
            request_id TEXT,
            hash BLOB NOT NULL,
            body BLOB NOT NULL,
            UNIQUE (stream, seq));
        CREATE INDEX IF NOT EXISTS audit_records_tenant ON audit_records (tenant, id);
        CREATE INDEX IF NOT EXISTS audit_records_agent ON audit_records (agent_id, id);
        CREATE TABLE IF NOT EXISTS audit_checkpoints (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            time_us INTEGER NOT NULL,
            writer TEXT NOT NULL,
            key_id TEXT NOT NULL,
            public_key BLOB NOT NULL,
            body BLOB NOT NULL,
            signature BLOB NOT NULL);
        """;

    private const int ConstraintViolation = 19;
    private readonly string _writeConnectionString;
    private readonly string _readConnectionString;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _writer;

    public SqliteAuditStore(string databasePath)
    {
        _writeConnectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString();
        _readConnectionString = new SqliteConnectionStringBuilder { DataSource = databasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
    }

    public string Name => "sqlite";

    public async Task AppendAsync(IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var connection = Writer();
            using var transaction = connection.BeginTransaction(deferred: false);
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO audit_records (stream, seq, time_us, kind, tenant, agent_id, effect, reason, request_id, hash, body) "
                + "VALUES ($stream, $seq, $time, $kind, $tenant, $agent, $effect, $reason, $request, $hash, $body)";
            var stream = insert.Parameters.Add("$stream", SqliteType.Text);
            var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
            var time = insert.Parameters.Add("$time", SqliteType.Integer);
            var kind = insert.Parameters.Add("$kind", SqliteType.Integer);
            var tenant = insert.Parameters.Add("$tenant", SqliteType.Text);
            var agent = insert.Parameters.Add("$agent", SqliteType.Text);
            var effect = insert.Parameters.Add("$effect", SqliteType.Text);
            var reason = insert.Parameters.Add("$reason", SqliteType.Text);
            var request = insert.Parameters.Add("$request", SqliteType.Text);
            var hash = insert.Parameters.Add("$hash", SqliteType.Blob);
            var body = insert.Parameters.Add("$body", SqliteType.Blob);
            insert.Prepare();
            try
            {
                foreach (var row in rows)
                {
                    stream.Value = row.Stream;
                    seq.Value = row.Sequence;
                    time.Value = AuditText.UnixMicroseconds(row.Time);
                    kind.Value = (int)row.Kind;
                    tenant.Value = row.Tenant;
                    agent.Value = (object?)row.AgentId ?? DBNull.Value;
                    effect.Value = (object?)row.Effect ?? DBNull.Value;
                    reason.Value = (object?)row.Reason ?? DBNull.Value;
                    request.Value = (object?)row.RequestId ?? DBNull.Value;
                    hash.Value = row.Hash;
                    body.Value = row.Body;
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode == ConstraintViolation)
            {
                transaction.Rollback();
                throw new AuditConflictException("An audit record with the same stream and sequence number already exists.", ex);
            }
        }
        catch (SqliteException)
        {
            // A broken connection is reopened by the next batch.
            ResetWriter();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task<AuditHead?> ReadHeadAsync(string stream, CancellationToken cancellationToken)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, hash FROM audit_records WHERE stream = $stream ORDER BY seq DESC LIMIT 1";
        command.Parameters.AddWithValue("$stream", stream);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? new AuditHead(reader.GetInt64(0), (byte[])reader.GetValue(1)) : null;
    }

    public async IAsyncEnumerable<AuditRow> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = AuditSql.Select(query, command);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return AuditSql.ReadRow(reader);
        }
    }

    public async IAsyncEnumerable<AuditRow> ReadChainsAsync(string? stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AuditSql.Columns} FROM audit_records" + (stream is null ? string.Empty : " WHERE stream = $stream") + " ORDER BY stream, seq";
        if (stream is not null)
        {
            command.Parameters.AddWithValue("$stream", stream);
        }

        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return AuditSql.ReadRow(reader);
        }
    }

    public async IAsyncEnumerable<AuditRow> ReadHeadsAsync(long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        // SQLite returns the other columns of the row that holds max(seq) (documented for bare columns with max()).
        command.CommandText = $"SELECT {AuditSql.Columns}, max(seq) FROM audit_records WHERE stream IN (SELECT DISTINCT stream FROM audit_records WHERE id > $after) GROUP BY stream";
        command.Parameters.AddWithValue("$after", afterId);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return AuditSql.ReadRow(reader);
        }
    }

    public async Task<AuditRow?> ReadRecordAsync(string stream, long sequence, CancellationToken cancellationToken)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AuditSql.Columns} FROM audit_records WHERE stream = $stream AND seq = $seq";
        command.Parameters.AddWithValue("$stream", stream);
        command.Parameters.AddWithValue("$seq", sequence);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? AuditSql.ReadRow(reader) : null;
    }

    public async Task AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var command = Writer().CreateCommand();
            command.CommandText = "INSERT INTO audit_checkpoints (time_us, writer, key_id, public_key, body, signature) VALUES ($time, $writer, $key, $public, $body, $signature)";
            command.Parameters.AddWithValue("$time", AuditText.UnixMicroseconds(checkpoint.Time));
            command.Parameters.AddWithValue("$writer", checkpoint.Writer);
            command.Parameters.AddWithValue("$key", checkpoint.KeyId);
            command.Parameters.AddWithValue("$public", checkpoint.PublicKey);
            command.Parameters.AddWithValue("$body", checkpoint.Body);
            command.Parameters.AddWithValue("$signature", checkpoint.Signature);
            command.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            ResetWriter();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async IAsyncEnumerable<AuditCheckpoint> ReadCheckpointsAsync(long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {AuditSql.CheckpointColumns} FROM audit_checkpoints WHERE id > $after ORDER BY id";
        command.Parameters.AddWithValue("$after", afterId);
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return AuditSql.ReadCheckpoint(reader);
        }
    }

    public void Dispose()
    {
        ResetWriter();
        _gate.Dispose();
    }

    private SqliteConnection Writer() => _writer ??= SqliteFile.Open(_writeConnectionString, Schema);

    private void ResetWriter()
    {
        _writer?.Dispose();
        _writer = null;
    }

    private async Task<SqliteConnection> OpenReaderAsync(CancellationToken cancellationToken)
    {
        // The writer creates the file and its tables; a reader that comes first must not find them missing.
        if (_writer is null)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                Writer();
            }
            finally
            {
                _gate.Release();
            }
        }

        var connection = new SqliteConnection(_readConnectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        return connection;
    }
}
