using Microsoft.Data.Sqlite;

namespace Mesh.Silo.Storage;

/// <summary>Opens the embedded-mode SQLite file the same way for every store that keeps its rows there.</summary>
internal static class SqliteFile
{
    /// <summary>
    /// Makes the database file private (<see cref="PrivateFiles"/>), then opens a connection with write-ahead logging, fully synchronous commits (an acknowledged write survives a power
    /// cut) and a busy timeout, then runs <paramref name="schema"/> (idempotent DDL) on it.
    /// </summary>
    public static SqliteConnection Open(string connectionString, string schema)
    {
        if (new SqliteConnectionStringBuilder(connectionString) is { Mode: not SqliteOpenMode.Memory } file)
        {
            PrivateFiles.EnsureDatabase(file.DataSource);
        }

        var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var setup = connection.CreateCommand();
        setup.CommandText = """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA busy_timeout = 5000;
            """ + "\n" + schema;
        setup.ExecuteNonQuery();
        return connection;
    }
}
