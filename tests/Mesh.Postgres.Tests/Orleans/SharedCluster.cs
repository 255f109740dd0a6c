using Mesh.Testing.Postgres;

namespace Mesh.Postgres.Tests.Orleans;

/// <summary>
/// One two-silo cluster on one database for a test class, started by the first test that asks (a class fixture
/// cannot take the collection's PostgreSQL fixture, so the test hands it the server).
/// </summary>
public sealed class SharedCluster : IAsyncLifetime
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private OrleansOnPostgres? _cluster;

    /// <summary>The cluster's database.</summary>
    public string ConnectionString { get; private set; } = "";

    internal async Task<OrleansOnPostgres> GetAsync(PostgresServer server)
    {
        await _gate.WaitAsync();
        try
        {
            if (_cluster is null)
            {
                ConnectionString = await server.CreateDatabaseAsync();
                _cluster = await OrleansOnPostgres.StartAsync(ConnectionString, silos: 2);
            }

            return _cluster;
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
