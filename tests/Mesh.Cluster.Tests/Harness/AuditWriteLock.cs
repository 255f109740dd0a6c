using Mesh.Testing;
using Npgsql;

namespace Mesh.Cluster.Tests.Harness;

/// <summary>
/// Holds a lock on <c>audit_records</c> that lets readers in and keeps every writer out, so the silos' audit writers
/// block in the middle of a batch. A silo killed meanwhile loses what it had not written: in durable mode the
/// decisions of those records were never answered, in asynchronous mode they were, which is what the crash test must
/// catch. Disposing releases the lock and the blocked writers go on.
/// </summary>
internal sealed class AuditWriteLock : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly string _connectionString;

    private AuditWriteLock(string connectionString, NpgsqlConnection connection, NpgsqlTransaction transaction) =>
        (_connectionString, _connection, _transaction) = (connectionString, connection, transaction);

    public static async Task<AuditWriteLock> TakeAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();

        // SHARE conflicts with the ROW EXCLUSIVE lock every INSERT and COPY takes, and with nothing a reader takes.
        await using var command = new NpgsqlCommand("LOCK TABLE audit_records IN SHARE MODE", connection, transaction);
        await command.ExecuteNonQueryAsync();
        return new AuditWriteLock(connectionString, connection, transaction);
    }

    /// <summary>Waits until the audit writer of each silo in <paramref name="silos"/> is blocked on this lock.</summary>
    public async Task WaitUntilBlockedAsync(IEnumerable<SiloNode> silos, TimeSpan timeout)
    {
        var names = silos.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await Poll.UntilAsync(
            async () =>
            {
                await using var command = new NpgsqlCommand(
                    "SELECT DISTINCT application_name FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'COPY audit_records%'",
                    connection);
                var blocked = new HashSet<string>(StringComparer.Ordinal);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    blocked.Add(reader.GetString(0));
                }

                return names.IsSubsetOf(blocked);
            },
            timeout,
            $"the audit writers of {string.Join(", ", names)} blocked on the lock");
    }

    public async ValueTask DisposeAsync()
    {
        await _transaction.RollbackAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
