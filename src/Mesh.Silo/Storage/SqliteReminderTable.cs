using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Storage;

/// <summary>
/// Orleans' reminder table in a SQLite file, for embedded mode: approval deadlines and escalations survive a
/// restart. Same conventions as <see cref="SqliteGrainStorage"/> (WAL, <c>synchronous=FULL</c>, one connection);
/// the two may share a file. Each row carries the grain's uniform hash, so the reminder service's range reads are
/// one indexed query, and a random ETag, so a stale handle can never remove a row registered again after it.
/// </summary>
internal sealed partial class SqliteReminderTable : IReminderTable, IDisposable
{
    private readonly string _connectionString;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SqliteConnection? _connection;

    public SqliteReminderTable(string databasePath, ILogger<SqliteReminderTable> logger)
    {
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken = default) =>
        RunAsync(_ => 0, cancellationToken);

    public Task<ReminderTableData> ReadRows(GrainId grainId) =>
        RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM reminders WHERE grain_id = $id";
            command.Parameters.AddWithValue("$id", grainId.ToString());
            return ReadAll(command);
        });

    public Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            // The range is (begin, end] on the hash ring; when begin >= end it wraps past uint.MaxValue.
            command.CommandText = begin < end
                ? $"SELECT {Columns} FROM reminders WHERE grain_hash > $begin AND grain_hash <= $end"
                : $"SELECT {Columns} FROM reminders WHERE grain_hash > $begin OR grain_hash <= $end";
            command.Parameters.AddWithValue("$begin", (long)begin);
            command.Parameters.AddWithValue("$end", (long)end);
            return ReadAll(command);
        });

    public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) =>
        RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {Columns} FROM reminders WHERE grain_id = $id AND reminder_name = $name";
            command.Parameters.AddWithValue("$id", grainId.ToString());
            command.Parameters.AddWithValue("$name", reminderName);
            using var reader = command.ExecuteReader();
            return reader.Read() ? ToEntry(reader) : null;
        });

    public Task<string?> UpsertRow(ReminderEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return RunAsync<string?>(connection =>
        {
            var etag = NewETag();
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT INTO reminders (grain_id, reminder_name, grain_hash, start_at, period, etag)
                VALUES ($id, $name, $hash, $start, $period, $etag)
                ON CONFLICT (grain_id, reminder_name) DO UPDATE SET
                    grain_hash = excluded.grain_hash, start_at = excluded.start_at, period = excluded.period, etag = excluded.etag
                """;
            command.Parameters.AddWithValue("$id", entry.GrainId.ToString());
            command.Parameters.AddWithValue("$name", entry.ReminderName);
            command.Parameters.AddWithValue("$hash", (long)entry.GrainId.GetUniformHashCode());
            command.Parameters.AddWithValue("$start", ToUtcTicks(entry.StartAt));
            command.Parameters.AddWithValue("$period", entry.Period.Ticks);
            command.Parameters.AddWithValue("$etag", etag);
            command.ExecuteNonQuery();
            return FormatETag(etag);
        });
    }

    public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) =>
        RunAsync(connection =>
        {
            if (!long.TryParse(eTag, NumberStyles.Integer, CultureInfo.InvariantCulture, out var etag))
            {
                return false;
            }

            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM reminders WHERE grain_id = $id AND reminder_name = $name AND etag = $etag";
            command.Parameters.AddWithValue("$id", grainId.ToString());
            command.Parameters.AddWithValue("$name", reminderName);
            command.Parameters.AddWithValue("$etag", etag);
            return command.ExecuteNonQuery() == 1;
        });

    public Task TestOnlyClearTable() =>
        RunAsync(connection =>
        {
            using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM reminders";
            return command.ExecuteNonQuery();
        });

    public void Dispose()
    {
        _connection?.Dispose();
        _gate.Dispose();
    }

    private const string Columns = "grain_id, reminder_name, start_at, period, etag";

    private static ReminderTableData ReadAll(SqliteCommand command)
    {
        var entries = new List<ReminderEntry>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            entries.Add(ToEntry(reader));
        }

        return new ReminderTableData(entries);
    }

    private static ReminderEntry ToEntry(SqliteDataReader reader) => new()
    {
        GrainId = GrainId.Parse(reader.GetString(0)),
        ReminderName = reader.GetString(1),
        StartAt = new DateTime(reader.GetInt64(2), DateTimeKind.Utc),
        Period = TimeSpan.FromTicks(reader.GetInt64(3)),
        ETag = FormatETag(reader.GetInt64(4)),
    };

    private static long ToUtcTicks(DateTime time) =>
        (time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : time).Ticks;

    // Random rather than counted: a row removed and registered again must not get an ETag an old handle holds.
    private static long NewETag()
    {
        Span<byte> bytes = stackalloc byte[8];
        RandomNumberGenerator.Fill(bytes);
        return BitConverter.ToInt64(bytes) & long.MaxValue;
    }

    private static string FormatETag(long etag) => etag.ToString(CultureInfo.InvariantCulture);

    private async Task<T> RunAsync<T>(Func<SqliteConnection, T> work, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return work(Connection());
        }
        finally
        {
            _gate.Release();
        }
    }

    // Called under _gate. One connection serialises all access, which is what SQLite does anyway.
    private SqliteConnection Connection()
    {
        if (_connection is not null)
        {
            return _connection;
        }

        var connection = SqliteFile.Open(_connectionString, """
            CREATE TABLE IF NOT EXISTS reminders (
                grain_id      TEXT NOT NULL,
                reminder_name TEXT NOT NULL,
                grain_hash    INTEGER NOT NULL,
                start_at      INTEGER NOT NULL,
                period        INTEGER NOT NULL,
                etag          INTEGER NOT NULL,
                PRIMARY KEY (grain_id, reminder_name)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS reminders_by_hash ON reminders (grain_hash);
            """);
        LogInformationOpened(_logger, connection.DataSource);
        return _connection = connection;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Reminder table opened at {Path}")]
    private static partial void LogInformationOpened(ILogger logger, string path);
}
