using System.Globalization;
using Mesh.Testing;
using Mesh.Testing.Postgres;
using Xunit.Abstractions;

namespace Mesh.Postgres.Tests.Fixture;

/// <summary>The throwaway server itself: stop and start for outage tests, nothing left behind, orphans cleaned up.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresServerTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [PostgresFact]
    public async Task Stopping_makes_connections_fail_and_starting_again_brings_back_the_same_data()
    {
        var server = postgres.Server;
        if (!server.CanRestart)
        {
            output.WriteLine("MESH_TEST_POSTGRES is set: its server is not the tests' to stop.");
            return;
        }

        var db = await server.CreateDatabaseAsync();
        await Sql.ExecuteAsync(db, "INSERT INTO orleans_reminders VALUES ('svc', 'g/1', 'r', now(), 60000, 7, 1)");
        try
        {
            await server.StopAsync();
            Assert.False(server.IsRunning);
            var down = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.CheckAsync(db));
            Assert.Equal(PostgresSchemaError.CannotConnect, down.Error);

            await server.StartAgainAsync();
            Assert.True(server.IsRunning);
            Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
            Assert.Equal(1L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminders"));
            Assert.Equal(server.Port, new Npgsql.NpgsqlConnectionStringBuilder(db).Port);
        }
        finally
        {
            await server.EnsureRunningAsync();
        }
    }

    [PostgresFact]
    public async Task Disposing_a_server_stops_it_and_deletes_its_folder()
    {
        if (!postgres.Server.CanRestart)
        {
            output.WriteLine("MESH_TEST_POSTGRES is set: no throwaway servers here.");
            return;
        }

        var server = await PostgresServer.StartAsync();
        var folder = server.Folder!;
        var postmaster = Postmaster(folder);
        Assert.True(Alive(postmaster));

        await server.DisposeAsync();

        Assert.False(Directory.Exists(folder));
        Assert.False(Alive(postmaster));
    }

    [PostgresFact]
    public async Task A_server_whose_test_run_died_is_stopped_and_deleted_by_the_next_sweep()
    {
        if (!postgres.Server.CanRestart)
        {
            output.WriteLine("MESH_TEST_POSTGRES is set: no throwaway servers here.");
            return;
        }

        var orphan = await PostgresServer.StartAsync();
        var folder = orphan.Folder!;
        var postmaster = Postmaster(folder);
        try
        {
            // As if the test process that started it had died: its owner file names a process that is gone.
            await File.WriteAllTextAsync(Path.Combine(folder, "owner"), "2147483646 1");
            ServerFolders.Sweep(PostgresServer.Availability);

            Assert.False(Directory.Exists(folder));
            Assert.False(Alive(postmaster));
            Assert.True((await PostgresSchema.CheckAsync(await postgres.Server.CreateDatabaseAsync())).IsComplete, "the fixture's own server is not an orphan");
        }
        finally
        {
            await orphan.DisposeAsync();
        }
    }

    private static int Postmaster(string folder) =>
        int.Parse(File.ReadLines(Path.Combine(folder, "data", "postmaster.pid")).First(), CultureInfo.InvariantCulture);

    private static bool Alive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
}
