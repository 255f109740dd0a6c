using Mesh.Contracts.Audit;
using Mesh.Grains.Audit;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Grains.Tests.Audit;

/// <summary>
/// The sweeps that sign heads nobody signed (a crashed silo's tail): what they sign, what they leave to a live writer,
/// and what they refuse to sign because it is older than the coverage window (signing it would launder deleted
/// checkpoints). A store, a checkpointer of the "crashed" silo and one of the silo that sweeps, on one fake clock.
/// </summary>
public sealed class AuditCheckpointerSweepTests : IDisposable
{
    private const string Stream = "acme/bot";
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));
    private readonly InProcessAuditStore _store = InProcessAuditStore.For("sweep-" + Guid.NewGuid().ToString("N"));
    private readonly AuditSigningKey _key = AuditSigningKey.Load(null, []);
    private readonly MeshGrainOptions _options = new();
    private readonly AuditCheckpointer _crashed;
    private readonly AuditCheckpointer _sweeper;
    private string _previous = AuditText.GenesisHash;
    private long _sequence;

    public AuditCheckpointerSweepTests()
    {
        _options.TimeProvider = _clock;
        _options.Audit.CheckpointInterval = TimeSpan.FromSeconds(30);
        _crashed = new AuditCheckpointer(_store, _key, Options.Create(_options), NullLogger<AuditCheckpointer>.Instance);
        _sweeper = new AuditCheckpointer(_store, _key, Options.Create(_options), NullLogger<AuditCheckpointer>.Instance);
    }

    [Fact]
    public async Task A_start_up_sweep_signs_the_tail_a_crashed_silo_left_unsigned()
    {
        await WriteAsync(3);
        Assert.NotNull(await _crashed.CheckpointNowAsync(CancellationToken.None));
        await WriteAsync(3);

        var adopted = await _sweeper.SweepAsync(everyStream: true, CancellationToken.None);
        await _sweeper.CheckpointNowAsync(CancellationToken.None);

        Assert.Equal(1, adopted);
        var result = await VerifyAsync(coverageIntervals: 0);
        Assert.True(result.Ok, Describe(result));
        Assert.Equal(0, result.Unconfirmed);
    }

    [Fact]
    public async Task A_start_up_sweep_does_not_resign_records_whose_checkpoints_were_deleted_long_ago()
    {
        await WriteAsync(3);
        _clock.Advance(TimeSpan.FromMinutes(10));

        // No checkpoint signs #1 to #3 (say they were all deleted while the silos were down), and #1 is ten minutes old.
        var adopted = await _sweeper.SweepAsync(everyStream: true, CancellationToken.None);

        Assert.Equal(0, adopted);
        Assert.Null(await _sweeper.CheckpointNowAsync(CancellationToken.None));
        var result = await VerifyAsync();
        Assert.Contains(result.Problems, p => p.Kind == "unsigned" && p.Sequence == 1);
    }

    [Fact]
    public async Task A_periodic_sweep_leaves_a_fresh_head_to_its_writer_and_signs_it_once_it_is_an_interval_old()
    {
        await WriteAsync(2);

        var fresh = await _sweeper.SweepAsync(everyStream: false, CancellationToken.None);
        _clock.Advance(TimeSpan.FromSeconds(31));
        var orphaned = await _sweeper.SweepAsync(everyStream: false, CancellationToken.None);
        await _sweeper.CheckpointNowAsync(CancellationToken.None);

        Assert.Equal(0, fresh);
        Assert.Equal(1, orphaned);
        Assert.True((await VerifyAsync(coverageIntervals: 0)).Ok);
    }

    [Fact]
    public async Task A_head_a_chain_recovers_is_signed_by_the_next_sweep_unless_a_checkpoint_covers_it()
    {
        await WriteAsync(2);
        var head = await _store.ReadHeadAsync(Stream, CancellationToken.None);

        _sweeper.NoteRecovered(Stream, head!);
        var adopted = await _sweeper.SweepAsync(everyStream: false, CancellationToken.None);
        await _sweeper.CheckpointNowAsync(CancellationToken.None);
        _sweeper.NoteRecovered(Stream, head!);
        var again = await _sweeper.SweepAsync(everyStream: false, CancellationToken.None);

        Assert.Equal(1, adopted);
        Assert.Equal(0, again);
        Assert.True((await VerifyAsync(coverageIntervals: 0)).Ok);
    }

    public void Dispose()
    {
        _crashed.Dispose();
        _sweeper.Dispose();
        _key.Dispose();
    }

    private static string Describe(AuditVerification result) => string.Join("; ", result.Problems.Select(p => $"{p.Kind} {p.RecordId}: {p.Message}"));

    private Task<AuditVerification> VerifyAsync(int? coverageIntervals = null) =>
        new AuditVerifier(_store, _key, Options.Create(_options)).VerifyAsync(null, coverageIntervals, CancellationToken.None);

    // Writes as the crashed silo does: durable rows, noted for its next checkpoint.
    private async Task WriteAsync(int count)
    {
        for (var i = 0; i < count; i++)
        {
            var row = AuditRow.From(new AuditRecord
            {
                Stream = Stream,
                Sequence = ++_sequence,
                Time = AuditText.ToMicroseconds(_clock.GetUtcNow()),
                Kind = AuditKind.Decision,
                Tenant = "acme",
                Actor = Stream,
                AgentId = Stream,
                RequestId = $"req-{_sequence}",
                Effect = "allow",
                Reason = "policy",
                Message = "allowed",
                PreviousHash = _previous,
            });
            await _store.AppendAsync([row], CancellationToken.None);
            _crashed.Note([row]);
            _previous = row.HashHex;
        }
    }
}
