using System.Net;
using Mesh.Testing;
using Mesh.Testing.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService;

namespace Mesh.Postgres.Tests.Orleans;

/// <summary>
/// Orleans' ADO.NET membership table (the class silos use) on the schema, driven directly: versioned inserts and
/// updates, heartbeats, and the clean-up of dead silos — by a real cluster too.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MembershipTableTests(PostgresFixture postgres)
{
    private const int Active = 3;
    private const int Dead = 6;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    [PostgresFact]
    public async Task Inserts_and_updates_succeed_only_with_the_current_table_version()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        var table = await TableAsync(db, "versions");
        var a = Entry(1, SiloStatus.Joining);
        var b = Entry(2, SiloStatus.Joining);

        var empty = await table.ReadAllAsync();
        Assert.Empty(empty.Members);
        Assert.True(await table.InsertRowAsync(a, empty.Version.Next()));
        Assert.False(await table.InsertRowAsync(b, empty.Version.Next()));        // the version moved on
        Assert.False(await table.InsertRowAsync(a, (await table.ReadAllAsync()).Version.Next()));   // already there

        var afterA = await table.ReadAllAsync();
        Assert.True(await table.InsertRowAsync(b, afterA.Version.Next()));
        var read = await table.ReadRowAsync(a.SiloAddress);
        var (row, etag) = Assert.Single(read.Members);
        Assert.Equal(
            (a.SiloAddress, a.SiloName, a.HostName, a.Status, a.ProxyPort, a.StartTime, a.IAmAliveTime),
            (row.SiloAddress, row.SiloName, row.HostName, row.Status, row.ProxyPort, row.StartTime, row.IAmAliveTime));
        Assert.Equal(DateTimeKind.Utc, row.StartTime.Kind);

        // An update with a stale version is refused and changes nothing; with the current one it goes through.
        row.Status = SiloStatus.Active;
        row.SuspectTimes = [Tuple.Create(b.SiloAddress, _clock.GetUtcNow().UtcDateTime)];
        Assert.False(await table.UpdateRowAsync(row, etag, afterA.Version.Next()));
        var current = await table.ReadAllAsync();
        Assert.True(await table.UpdateRowAsync(row, etag, current.Version.Next()));
        var updated = (await table.ReadRowAsync(a.SiloAddress)).Members.Single().Item1;
        Assert.Equal(SiloStatus.Active, updated.Status);
        Assert.Equal(b.SiloAddress, Assert.Single(updated.SuspectTimes!).Item1);
        Assert.Equal(current.Version.Version + 1, (await table.ReadAllAsync()).Version.Version);

        // Updating a silo that is not in the table fails.
        var ghost = Entry(9, SiloStatus.Active);
        var latest = await table.ReadAllAsync();
        Assert.False(await table.UpdateRowAsync(ghost, latest.Version.VersionEtag, latest.Version.Next()));
        Assert.Equal(latest.Version.Version, (await table.ReadAllAsync()).Version.Version);
    }

    [PostgresFact]
    public async Task Concurrent_inserts_with_the_same_table_version_let_exactly_one_in()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        var tables = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => TableAsync(db, "race")));
        var version = (await tables[0].ReadAllAsync()).Version.Next();

        var inserted = await Task.WhenAll(tables.Select((table, i) => table.InsertRowAsync(Entry(i + 1, SiloStatus.Joining), version)));

        Assert.Single(inserted, ok => ok);
        var after = await tables[0].ReadAllAsync();
        Assert.Single(after.Members);
        Assert.Equal(version.Version, after.Version.Version);
    }

    [PostgresFact]
    public async Task A_heartbeat_moves_the_alive_time_forwards_only()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        var table = await TableAsync(db, "heartbeat");
        var a = Entry(1, SiloStatus.Active);
        Assert.True(await table.InsertRowAsync(a, (await table.ReadAllAsync()).Version.Next()));

        a.IAmAliveTime = a.IAmAliveTime.AddMinutes(5);
        await table.UpdateIAmAliveAsync(a);
        var later = a.IAmAliveTime;
        a.IAmAliveTime = a.IAmAliveTime.AddMinutes(-3);
        await table.UpdateIAmAliveAsync(a);

        Assert.Equal(later, (await table.ReadRowAsync(a.SiloAddress)).Members.Single().Item1.IAmAliveTime);
    }

    [PostgresTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Defunct_silo_clean_up_removes_old_dead_silos_only(bool perRowQuery)
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        if (!perRowQuery)
        {
            // Without the per-row query Orleans falls back to the one-statement clean-up.
            await Sql.ExecuteAsync(db, "DELETE FROM OrleansQuery WHERE QueryKey = 'CleanupDefunctSiloEntryKey'");
        }

        var table = await TableAsync(db, "cleanup");
        var oldDead = Entry(1, SiloStatus.Dead);
        var oldActive = Entry(2, SiloStatus.Active);
        var oldDeadSuspected = Entry(4, SiloStatus.Dead);
        _clock.Advance(TimeSpan.FromHours(2));
        var recentDead = Entry(3, SiloStatus.Dead);
        foreach (var entry in new[] { oldDead, oldActive, recentDead, oldDeadSuspected })
        {
            Assert.True(await table.InsertRowAsync(entry, (await table.ReadAllAsync()).Version.Next()));
        }

        // Suspicions are written by updates only; this one is as old as the silo.
        oldDeadSuspected.SuspectTimes = [Tuple.Create(oldActive.SiloAddress, oldDeadSuspected.StartTime)];
        var version = (await table.ReadAllAsync()).Version;
        Assert.True(await table.UpdateRowAsync(oldDeadSuspected, version.VersionEtag, version.Next()));

        await table.CleanupDefunctSiloEntriesAsync(_clock.GetUtcNow() - TimeSpan.FromHours(1));

        // The one-statement query cannot read suspicion times, so it leaves a suspected row for the per-row one.
        var left = (await table.ReadAllAsync()).Members.Select(m => m.Item1.SiloAddress.Endpoint.Port).Order();
        Assert.Equal(perRowQuery ? [2, 3] : [2, 3, 4], left);
    }

    [PostgresFact]
    public async Task Deleting_a_clusters_entries_removes_its_rows_and_version_only()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        var mine = await TableAsync(db, "mine");
        var other = await TableAsync(db, "other");
        Assert.True(await mine.InsertRowAsync(Entry(1, SiloStatus.Active), (await mine.ReadAllAsync()).Version.Next()));
        Assert.True(await other.InsertRowAsync(Entry(1, SiloStatus.Active), (await other.ReadAllAsync()).Version.Next()));

        await mine.DeleteMembershipTableEntriesAsync("mine");

        Assert.Equal(["other"], await Sql.ListAsync<string>(db, "SELECT DISTINCT deployment_id FROM orleans_membership"));
        Assert.Equal(["other"], await Sql.ListAsync<string>(db, "SELECT deployment_id FROM orleans_membership_version"));
        Assert.Single((await other.ReadAllAsync()).Members);
    }

    [PostgresFact]
    public async Task A_stopped_silo_is_marked_dead_and_cleaned_up_by_the_live_one()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        await using var orleans = await OrleansOnPostgres.StartAsync(db, silos: 2);
        var stopped = orleans.Cluster.Silos[1];
        var port = stopped.SiloAddress.Endpoint.Port;

        await orleans.Cluster.StopSiloAsync(stopped);
        await Poll.UntilAsync(
            async () => await Sql.ScalarAsync<int>(db, "SELECT status FROM orleans_membership WHERE deployment_id = @id AND port = @port", ("id", orleans.ClusterId), ("port", port)) == Dead,
            TimeSpan.FromSeconds(60),
            "the stopped silo's row to say Dead");

        // What Orleans runs periodically (after ClusterMembershipOptions.DefunctSiloExpiration), asked for now.
        var membership = orleans.Service<IMembershipTable>(0);
        await membership.CleanupDefunctSiloEntriesAsync(TimeProvider.System.GetUtcNow() + TimeSpan.FromMinutes(1));

        Assert.Equal([Active], await Sql.ListAsync<int>(db, "SELECT status FROM orleans_membership WHERE deployment_id = @id", ("id", orleans.ClusterId)));
    }

    private async Task<AdoNetClusteringTable> TableAsync(string connectionString, string clusterId)
    {
        var table = new AdoNetClusteringTable(
            new ServiceCollection().BuildServiceProvider(),
            Options.Create(new ClusterOptions { ClusterId = clusterId, ServiceId = "membership-tests" }),
            Options.Create(new AdoNetClusteringSiloOptions { Invariant = OrleansOnPostgres.Invariant, ConnectionString = connectionString }),
            NullLogger<AdoNetClusteringTable>.Instance);
        await table.InitializeMembershipTableAsync(tryInitTableVersion: true);
        return table;
    }

    // Times in whole seconds from the fake clock: PostgreSQL keeps microseconds, and the test compares exactly.
    private MembershipEntry Entry(int port, SiloStatus status)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return new MembershipEntry
        {
            SiloAddress = SiloAddress.New(IPAddress.Loopback, port, generation: 7),
            SiloName = $"silo-{port}",
            HostName = "test-host",
            Status = status,
            ProxyPort = 30_000 + port,
            StartTime = now,
            IAmAliveTime = now,
        };
    }
}
