using Mesh.Testing;
using Mesh.Testing.Postgres;
using Orleans.Storage;

namespace Mesh.Postgres.Tests.Orleans;

/// <summary>
/// Orleans' own ADO.NET providers on the schema, in a two-silo cluster: membership, grain state through both
/// storage settings (with ETag checks), and reminders.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OrleansProvidersTests(PostgresFixture postgres, SharedCluster shared) : IClassFixture<SharedCluster>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [PostgresFact]
    public async Task Both_silos_are_active_in_the_membership_table_and_the_client_found_them_there()
    {
        var orleans = await shared.GetAsync(postgres.Server);
        var db = shared.ConnectionString;

        var statuses = await Sql.ListAsync<int>(db, "SELECT status FROM orleans_membership WHERE deployment_id = @id", ("id", orleans.ClusterId));
        var gateways = await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_membership WHERE deployment_id = @id AND proxy_port > 0", ("id", orleans.ClusterId));
        var version = await Sql.ScalarAsync<int>(db, "SELECT version FROM orleans_membership_version WHERE deployment_id = @id", ("id", orleans.ClusterId));

        Assert.Equal([3, 3], statuses);
        Assert.Equal(2L, gateways);
        Assert.True(version >= 2, $"table version {version}");

        // The client's gateway list came from GatewaysQueryKey: a call through it works.
        var grain = orleans.Client.GetGrain<IBoxGrain>(Keys.Unique("members"));
        await grain.Write(delete: false, "hello");
        Assert.Equal("hello", (await grain.Read(delete: false)).Value);
    }

    [PostgresTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_grain_writes_reads_and_clears_its_state_across_activations(bool deleteOnClear)
    {
        var orleans = await shared.GetAsync(postgres.Server);
        var db = shared.ConnectionString;
        var key = Keys.Unique("box");
        var grain = orleans.Client.GetGrain<IBoxGrain>(key);

        await grain.Write(deleteOnClear, "first");
        await grain.Write(deleteOnClear, "second");
        await grain.Deactivate();
        var afterWrites = await grain.Read(deleteOnClear);

        Assert.Equal(new BoxView("second", RecordExists: true, ETag: "2"), afterWrites);
        Assert.Equal(1L, await RowsAsync(db, key));

        await grain.Clear(deleteOnClear);
        await grain.Deactivate();
        var afterClear = await grain.Read(deleteOnClear);

        Assert.Null(afterClear.Value);
        Assert.False(afterClear.RecordExists);
        if (deleteOnClear)
        {
            Assert.Null(afterClear.ETag);
            Assert.Equal(0L, await RowsAsync(db, key));
        }
        else
        {
            Assert.Equal("3", afterClear.ETag);
            Assert.Equal(1L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_storage WHERE grain_id_extension LIKE '%' || @key AND payload IS NULL", ("key", key)));
        }

        // And it can be written again after the clear.
        await grain.Write(deleteOnClear, "third");
        await grain.Deactivate();
        Assert.Equal("third", (await grain.Read(deleteOnClear)).Value);
    }

    [PostgresTheory]
    [InlineData("keep")]
    [InlineData("delete")]
    public async Task Writes_and_clears_with_a_stale_etag_are_refused(string provider)
    {
        var orleans = await shared.GetAsync(postgres.Server);
        var storage = orleans.KeyedService<IGrainStorage>(0, provider);

        // A string key, and an integer key (whose key extension is NULL in the table).
        foreach (var id in new[] { GrainId.Create("mesh-test", Keys.Unique("etag")), GrainId.Create(GrainType.Create("mesh-test"), GrainIdKeyExtensions.CreateIntegerKey(Random.Shared.NextInt64())) })
        {
            var first = await ReadAsync(storage, id);
            var second = await ReadAsync(storage, id);
            Assert.False(first.RecordExists);
            Assert.Null(first.ETag);

            // Two first writes: one wins, the other learns that it lost.
            first.State!.Value = "first";
            await storage.WriteStateAsync("box", id, first);
            second.State!.Value = "second";
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("box", id, second));
            Assert.Equal("1", first.ETag);

            // An update with the current ETag succeeds; one with an older ETag is refused.
            var reader = await ReadAsync(storage, id);
            Assert.Equal(("first", "1"), (reader.State!.Value, reader.ETag));
            first.State!.Value = "first again";
            await storage.WriteStateAsync("box", id, first);
            Assert.Equal("2", first.ETag);
            reader.State!.Value = "stale";
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("box", id, reader));
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("box", id, reader));

            // The clear with the current ETag goes through; then the stale copy cannot write either.
            await storage.ClearStateAsync("box", id, first);
            Assert.False(first.RecordExists);
            await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("box", id, reader));

            var cleared = await ReadAsync(storage, id);
            Assert.False(cleared.RecordExists);
            Assert.Null(cleared.State!.Value);
            Assert.Equal(provider == "delete" ? null : "3", cleared.ETag);
            cleared.State!.Value = "after the clear";
            await storage.WriteStateAsync("box", id, cleared);
            Assert.Equal("after the clear", (await ReadAsync(storage, id)).State!.Value);
        }
    }

    [PostgresFact]
    public async Task Concurrent_writes_of_one_grain_with_the_same_etag_let_exactly_one_win()
    {
        var orleans = await shared.GetAsync(postgres.Server);
        var storage = orleans.KeyedService<IGrainStorage>(1, "keep");
        var id = GrainId.Create("mesh-test", Keys.Unique("race"));

        // Eight activations that all read "no state yet", then all write at once.
        var states = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ReadAsync(storage, id)));
        var writers = await Task.WhenAll(states.Select(async (state, i) =>
        {
            state.State!.Value = $"writer {i}";
            try
            {
                await storage.WriteStateAsync("box", id, state);
                return state.State!.Value;
            }
            catch (InconsistentStateException)
            {
                return null;
            }
        }));

        var winner = Assert.Single(writers, w => w is not null);
        Assert.Equal(winner, (await ReadAsync(storage, id)).State!.Value);

        // The same for updates: eight copies of version 1, one write wins.
        var copies = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ReadAsync(storage, id)));
        Assert.All(copies, c => Assert.Equal("1", c.ETag));
        var updates = await Task.WhenAll(copies.Select(async (copy, i) =>
        {
            copy.State!.Value = $"update {i}";
            try
            {
                await storage.WriteStateAsync("box", id, copy);
                return copy.ETag;
            }
            catch (InconsistentStateException)
            {
                return null;
            }
        }));

        Assert.Equal("2", Assert.Single(updates, u => u is not null));
    }

    [PostgresFact]
    public async Task A_grain_registers_lists_receives_and_unregisters_reminders()
    {
        var orleans = await shared.GetAsync(postgres.Server);
        var db = shared.ConnectionString;
        var grain = orleans.Client.GetGrain<IBoxGrain>(Keys.Unique("reminders"));

        await grain.Remind("soon", TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1));
        await grain.Remind("later", TimeSpan.FromHours(1), TimeSpan.FromHours(2));
        await grain.Remind("later", TimeSpan.FromHours(1), TimeSpan.FromHours(3));

        Assert.Equal(["later", "soon"], await grain.Reminders());
        Assert.Equal(2L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminders WHERE service_id = @s AND grain_id LIKE '%' || @g", ("s", orleans.ServiceId), ("g", grain.GetPrimaryKeyString())));
        Assert.Equal(2, await Sql.ScalarAsync<int>(db, "SELECT version FROM orleans_reminders WHERE reminder_name = 'later' AND grain_id LIKE '%' || @g", ("g", grain.GetPrimaryKeyString())));
        Assert.Equal(10_800_000L, await Sql.ScalarAsync<long>(db, "SELECT period FROM orleans_reminders WHERE reminder_name = 'later' AND grain_id LIKE '%' || @g", ("g", grain.GetPrimaryKeyString())));

        await Poll.UntilAsync(async () => await grain.Ticks("soon") >= 1, Patience, "the reminder 'soon' to fire");

        await grain.Forget("soon");
        await grain.Forget("later");
        Assert.Empty(await grain.Reminders());
        Assert.Equal(0L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminders WHERE grain_id LIKE '%' || @g", ("g", grain.GetPrimaryKeyString())));
    }

    [PostgresFact]
    public async Task The_reminder_table_reads_rows_by_grain_by_name_and_by_ring_range_wrapping_or_not()
    {
        var orleans = await shared.GetAsync(postgres.Server);
        var table = orleans.Service<IReminderTable>(0);
        var start = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var grains = Enumerable.Range(0, 40).Select(i => GrainId.Create("mesh-test-reminder", Keys.Unique($"ring{i}"))).ToArray();
        var etags = new Dictionary<GrainId, string>();
        foreach (var grain in grains)
        {
            etags[grain] = (await table.UpsertRow(new ReminderEntry { GrainId = grain, ReminderName = "r", StartAt = start, Period = TimeSpan.FromDays(1) }))!;
        }

        var one = await table.ReadRow(grains[0], "r");
        Assert.NotNull(one);
        Assert.Equal((grains[0], start, TimeSpan.FromDays(1), etags[grains[0]]), (one.GrainId, one.StartAt, one.Period, one.ETag));
        Assert.Null(await table.ReadRow(grains[0], "no such reminder"));
        Assert.Single((await table.ReadRows(grains[1])).Reminders);

        // Ring ranges (begin, end] around the grains' own hashes, including ones that wrap past the end of the ring
        // and ones that cross the sign boundary of the hash as the table stores it.
        var hashes = grains.Select(g => g.GetUniformHashCode()).ToArray();
        var ranges = new List<(uint Begin, uint End)> { (0, uint.MaxValue), (uint.MaxValue, 0), (0x7FFF_FF00, 0x8000_0100), (0xFFFF_FF00, 0x100), (5, 5) };
        foreach (var hash in hashes.Take(10))
        {
            ranges.Add((unchecked(hash - 1), hash));
            ranges.Add((hash, unchecked(hash - 1)));
            ranges.Add((hash, unchecked(hash + 0x4000_0000)));
            ranges.Add((unchecked(hash + 0x4000_0000), hash));
        }

        foreach (var (begin, end) in ranges)
        {
            var read = (await table.ReadRows(begin, end)).Reminders.Where(r => grains.Contains(r.GrainId)).Select(r => r.GrainId).ToHashSet();
            var expected = grains.Where(g => InRing(g.GetUniformHashCode(), begin, end)).ToHashSet();
            Assert.True(expected.SetEquals(read), $"range ({begin:x8}, {end:x8}]: expected {expected.Count}, read {read.Count}");
        }

        // A delete needs the current ETag.
        Assert.False(await table.RemoveRow(grains[2], "r", "999"));
        Assert.True(await table.RemoveRow(grains[2], "r", etags[grains[2]]));
        Assert.Null(await table.ReadRow(grains[2], "r"));
    }

    [PostgresFact]
    public async Task Clearing_the_reminder_table_deletes_only_this_services_rows()
    {
        var orleans = await shared.GetAsync(postgres.Server);
        var db = shared.ConnectionString;
        await Sql.ExecuteAsync(db, "INSERT INTO orleans_reminders VALUES ('another-service', 'mesh-test/x', 'r', now(), 60000, 1, 1)");
        var table = orleans.Service<IReminderTable>(0);
        await table.UpsertRow(new ReminderEntry { GrainId = GrainId.Create("mesh-test-reminder", Keys.Unique("clear")), ReminderName = "r", StartAt = new DateTime(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc), Period = TimeSpan.FromDays(1) });

        await table.TestOnlyClearTable();

        Assert.Equal(0L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminders WHERE service_id = @s", ("s", orleans.ServiceId)));
        Assert.Equal(1L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_reminders WHERE service_id = 'another-service'"));
    }

    // Orleans' ring ranges: (begin, end], wrapping past uint.MaxValue when begin >= end (begin == end: the whole ring).
    private static bool InRing(uint hash, uint begin, uint end) => begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static Task<long> RowsAsync(string db, string key) =>
        Sql.ScalarAsync<long>(db, "SELECT count(*) FROM orleans_storage WHERE grain_id_extension LIKE '%' || @key", ("key", key));

    private static async Task<GrainState<Box>> ReadAsync(IGrainStorage storage, GrainId id)
    {
        var state = new GrainState<Box>(new Box());
        await storage.ReadStateAsync("box", id, state);
        return state;
    }
}
