using Mesh.Contracts.Approvals;
using Mesh.Grains.Hosting;
using Mesh.Silo.Storage;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Orleans.TestingHost;

namespace Mesh.Silo.Tests.Storage;

public sealed class SqliteReminderTableTests : IDisposable
{
    private static readonly DateTime Start = new(2026, 1, 5, 9, 0, 0, DateTimeKind.Utc);

    private readonly string _path = Path.Combine(Path.GetTempPath(), "mesh-reminders-" + Guid.NewGuid().ToString("N") + ".db");

    private SqliteReminderTable Open() => new(_path, NullLogger<SqliteReminderTable>.Instance);

    private static ReminderEntry Entry(GrainId grain, string name, int minutes = 0) => new()
    {
        GrainId = grain,
        ReminderName = name,
        StartAt = Start.AddMinutes(minutes),
        Period = TimeSpan.FromMinutes(5 + minutes),
    };

    private static GrainId Grain(string key) => GrainId.Create("approval", key);

    [Fact]
    public async Task Rows_survive_reopening_the_file()
    {
        var a = Grain("acme/apr-1");
        var b = Grain("acme/apr-2");
        string etag;
        using (var table = Open())
        {
            await table.StartAsync();
            etag = (await table.UpsertRow(Entry(a, "deadline", 60)))!;
            await table.UpsertRow(Entry(a, "escalation", 30));
            await table.UpsertRow(Entry(b, "deadline", 90));
        }

        using var reopened = Open();
        var rows = (await reopened.ReadRows(a)).Reminders.OrderBy(r => r.ReminderName, StringComparer.Ordinal).ToList();
        var row = await reopened.ReadRow(a, "deadline");

        Assert.Equal(["deadline", "escalation"], rows.Select(r => r.ReminderName));
        Assert.All(rows, r => Assert.Equal(a, r.GrainId));
        Assert.NotNull(row);
        Assert.Equal(Start.AddMinutes(60), row.StartAt);
        Assert.Equal(DateTimeKind.Utc, row.StartAt.Kind);
        Assert.Equal(TimeSpan.FromMinutes(65), row.Period);
        Assert.Equal(etag, row.ETag);
        Assert.Null(await reopened.ReadRow(a, "missing"));
        Assert.Single((await reopened.ReadRows(b)).Reminders);
    }

    [Fact]
    public async Task An_update_gets_a_new_etag_and_only_the_current_etag_removes_a_row()
    {
        var grain = Grain("acme/apr-3");
        using var table = Open();
        var first = await table.UpsertRow(Entry(grain, "deadline"));
        var second = await table.UpsertRow(Entry(grain, "deadline", 10));

        var withStale = await table.RemoveRow(grain, "deadline", first!);
        var withGarbage = await table.RemoveRow(grain, "deadline", "not-an-etag");
        var stillThere = await table.ReadRow(grain, "deadline");
        var withCurrent = await table.RemoveRow(grain, "deadline", second!);
        var again = await table.RemoveRow(grain, "deadline", second!);

        Assert.NotEqual(first, second);
        Assert.False(withStale);
        Assert.False(withGarbage);
        Assert.Equal(Start.AddMinutes(10), stillThere!.StartAt);
        Assert.True(withCurrent);
        Assert.False(again);
        Assert.Null(await table.ReadRow(grain, "deadline"));

        // Registered again after removal: the old handle's ETag must not remove the new row.
        var third = await table.UpsertRow(Entry(grain, "deadline"));
        Assert.False(await table.RemoveRow(grain, "deadline", second!));
        Assert.NotEqual(second, third);
    }

    [Fact]
    public async Task Range_reads_return_exactly_the_rows_whose_hash_is_in_the_range_including_wrapping_ranges()
    {
        using var table = Open();
        var grains = Enumerable.Range(0, 200).Select(i => Grain($"acme/apr-{i}")).ToList();
        foreach (var grain in grains)
        {
            await table.UpsertRow(Entry(grain, "deadline"));
        }

        var hashes = grains.Select(g => g.GetUniformHashCode()).Order().ToList();
        // Hashes on both sides of 2^31 must exist for the test to mean something: the column is signed.
        Assert.Contains(hashes, h => h > int.MaxValue);
        Assert.Contains(hashes, h => h < int.MaxValue);

        (uint Begin, uint End)[] ranges =
        [
            (hashes[20], hashes[120]),                 // ordinary
            (hashes[150], hashes[30]),                 // wraps past uint.MaxValue
            (hashes[199], hashes[0]),                  // wraps, holding just the ends
            (hashes[50], hashes[50]),                  // begin == end: the whole ring
            (0, uint.MaxValue),
            ((uint)int.MaxValue - 1000, (uint)int.MaxValue + 1000u),
            (uint.MaxValue, 0),
        ];

        foreach (var (begin, end) in ranges)
        {
            var expected = grains
                .Where(g => begin < end
                    ? g.GetUniformHashCode() > begin && g.GetUniformHashCode() <= end
                    : g.GetUniformHashCode() > begin || g.GetUniformHashCode() <= end)
                .Select(g => g.ToString())
                .Order(StringComparer.Ordinal);
            var actual = (await table.ReadRows(begin, end)).Reminders.Select(r => r.GrainId.ToString()).Order(StringComparer.Ordinal);

            Assert.Equal(expected, actual);
        }

        Assert.Equal(200, (await table.ReadRows(hashes[50], hashes[50])).Reminders.Count);
        await table.TestOnlyClearTable();
        Assert.Empty((await table.ReadRows(0, uint.MaxValue)).Reminders);
    }

    [Fact]
    public async Task A_silo_delivers_a_reminder_registered_before_it_restarted()
    {
        var store = "reminder-restart-" + Guid.NewGuid().ToString("N");
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));
        var tenant = Ids.Tenant();
        var approvalId = $"{tenant}/apr-{Guid.NewGuid():N}";
        GrainId grain;
        int openedRevision;

        await using (var first = await StartSiloAsync(store, clock))
        {
            var approval = Operator(first).GetGrain<IApprovalGrain>(approvalId);
            grain = approval.GetGrainId();
            // Due in one real second; Mesh's clock does not reach the deadline while this silo runs.
            var opened = await approval.Open(new ApprovalOpening
            {
                Subject = new ApprovalSubject { AgentId = $"{tenant}/bot", RequestId = Ids.Request(), Tool = "payments", Operation = "transfer" },
                RequestDigest = "digest",
                PolicyVersion = 1,
                Policy = new ApprovalPolicy { Groups = ["finance"], ExpiresAfter = TimeSpan.FromSeconds(1) },
            });
            openedRevision = opened.Revision;
            using var table = Open();
            await Poll.UntilAsync(async () => await table.ReadRow(grain, "approval-deadline") is not null, TimeSpan.FromSeconds(30), "the deadline reminder to be in the file");
        }

        clock.Advance(TimeSpan.FromSeconds(1));

        // Orleans does not replay a tick missed while no silo ran: it waits for the next period (5 minutes). Give the
        // row a one-second period so the test does not depend on how long the restart takes.
        using (var table = Open())
        {
            var row = await table.ReadRow(grain, "approval-deadline");
            Assert.NotNull(row);
            row.Period = TimeSpan.FromSeconds(1);
            await table.UpsertRow(row);
        }

        // Nothing calls the approval: only the reminder, read back from the file by the new silo, can wake it.
        await using var second = await StartSiloAsync(store, clock);
        using (var table = Open())
        {
            await Poll.UntilAsync(async () => (await table.ReadRows(grain)).Reminders.Count == 0, TimeSpan.FromSeconds(30), "the delivered reminder to be unregistered");
        }

        var view = await Operator(second).GetGrain<IApprovalGrain>(approvalId).Get();
        Assert.Equal(ApprovalStatus.Expired, view.Status);
        Assert.Equal(openedRevision + 1, view.Revision);
    }

    private static IGrainFactory Operator(InProcessTestCluster cluster) => cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>();

    private async Task<InProcessTestCluster> StartSiloAsync(string store, FakeTimeProvider clock)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMeshInProcessStorage(store);
            silo.UseMeshSqliteReminders(_path);
            silo.AddMeshGrains(o =>
            {
                o.TimeProvider = clock;
                o.DestinationResolver = new FakeDestinationResolver();
                o.ControlPlaneLease = TimeSpan.FromSeconds(30);
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    public void Dispose()
    {
        foreach (var file in new[] { _path, _path + "-wal", _path + "-shm" })
        {
            File.Delete(file);
        }
    }
}
