using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace Mesh.Silo.Storage;

/// <summary>
/// Grain storage in one SQLite file, for embedded mode. Writes are durable when they return (WAL with
/// <c>synchronous=FULL</c>) and use optimistic concurrency on an integer ETag, so a stale activation can never
/// overwrite a newer state.
/// </summary>
internal sealed partial class SqliteGrainStorage : IGrainStorage, IDisposable
{
    private readonly string _connectionString;
    private readonly IGrainStorageSerializer _serializer;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;

    public SqliteGrainStorage(string databasePath, IGrainStorageSerializer serializer, ILogger<SqliteGrainStorage> logger)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _serializer = serializer;
        _logger = logger;
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await _gate.WaitAsync();
        try
        {
            using var command = Connection().CreateCommand();
            command.CommandText = "SELECT etag, payload FROM grain_state WHERE state_name = $name AND grain_id = $id";
            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", grainId.ToString());
            using var reader = command.ExecuteReader();
            if (!reader.Read())
            {
                grainState.RecordExists = false;
                grainState.ETag = null;
                return;
            }

            var etag = reader.GetInt64(0);
            var payload = (byte[])reader.GetValue(1);
            grainState.State = _serializer.Deserialize<T>(new BinaryData(payload));
            grainState.ETag = etag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        await _gate.WaitAsync();
        try
        {
            using var command = Connection().CreateCommand();
            long next;
            if (grainState.ETag is null)
            {
                next = 1;
                command.CommandText = "INSERT INTO grain_state (state_name, grain_id, etag, payload) VALUES ($name, $id, 1, $payload) ON CONFLICT DO NOTHING";
            }
            else
            {
                var current = ParseEtag(grainState.ETag);
                next = current + 1;
                command.CommandText = "UPDATE grain_state SET etag = $next, payload = $payload WHERE state_name = $name AND grain_id = $id AND etag = $etag";
                command.Parameters.AddWithValue("$etag", current);
                command.Parameters.AddWithValue("$next", next);
            }

            command.Parameters.AddWithValue("$name", stateName);
            command.Parameters.AddWithValue("$id", grainId.ToString());
            command.Parameters.AddWithValue("$payload", payload);
            if (command.ExecuteNonQuery() != 1)
            {
                throw new InconsistentStateException($"State '{stateName}' of {grainId} was changed by someone else (ETag {grainState.ETag ?? "none"} is stale).");
            }

            grainState.ETag = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await _gate.WaitAsync();
        try
        {
            if (grainState.ETag is not null)
            {
                using var command = Connection().CreateCommand();
                command.CommandText = "DELETE FROM grain_state WHERE state_name = $name AND grain_id = $id AND etag = $etag";
                command.Parameters.AddWithValue("$name", stateName);
                command.Parameters.AddWithValue("$id", grainId.ToString());
                command.Parameters.AddWithValue("$etag", ParseEtag(grainState.ETag));
                if (command.ExecuteNonQuery() != 1)
                {
                    throw new InconsistentStateException($"State '{stateName}' of {grainId} was changed by someone else (ETag {grainState.ETag} is stale).");
                }
            }

            grainState.ETag = null;
            grainState.RecordExists = false;
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose()
    {
        _connection?.Dispose();
        _gate.Dispose();
    }

    private static long ParseEtag(string etag) =>
        long.TryParse(etag, System.Globalization.CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InconsistentStateException($"ETag '{etag}' was not written by this storage.");

    // Called under _gate. One connection serialises all access, which is what SQLite does anyway.
    private SqliteConnection Connection()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = SqliteFile.Open(_connectionString, """
            CREATE TABLE IF NOT EXISTS grain_state (
                state_name TEXT NOT NULL,
                grain_id   TEXT NOT NULL,
                etag       INTEGER NOT NULL,
                payload    BLOB NOT NULL,
                PRIMARY KEY (state_name, grain_id)
            ) WITHOUT ROWID;
            """);
        LogInformationOpened(_logger, connection.DataSource);
        return _connection = connection;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Grain storage opened at {Path}")]
    private static partial void LogInformationOpened(ILogger logger, string path);
}
