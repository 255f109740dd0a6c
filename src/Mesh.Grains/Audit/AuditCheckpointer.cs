using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Mesh.Grains.Audit;

/// <summary>
/// Signs, every <see cref="AuditSettings.CheckpointInterval"/>, the heads of the streams this silo has written since
/// its last checkpoint. Each silo signs what it wrote, so no silo has to gather the heads of the others: together the
/// checkpoints cover every stream. A checkpoint pins a stream's head; an attacker with write access to the store who
/// rewrites a chain (recomputing every hash) cannot produce a checkpoint signature for it, and one who cuts off the
/// tail leaves a signed head with no record behind it.
/// <para>
/// A silo that dies without stopping (SIGKILL, power cut) never signs what it wrote since its last checkpoint. So every
/// silo also sweeps the store: when it starts, and then every interval for the streams written recently, it finds the
/// heads no trusted checkpoint has signed and signs them, as it does the head an agent's chain recovers from the store.
/// It signs only heads whose first unsigned record is younger than <see cref="AuditSettings.CoverageIntervals"/>
/// intervals: older unsigned records are what verification reports, and signing them would launder a deletion of
/// checkpoints. Heads written recently by a live silo are left to that silo (it signs them within one interval), so
/// several silos starting at once write at most one extra checkpoint each, holding only heads nobody signed.
/// </para>
/// </summary>
public sealed partial class AuditCheckpointer : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    /// <summary>Most heads in one checkpoint; more are split over several (a start-up sweep of a large store).</summary>
    public const int MaxHeadsPerCheckpoint = 10_000;

    private readonly IAuditStore _store;
    private readonly AuditSigningKey _key;
    private readonly ILogger<AuditCheckpointer> _logger;
    private readonly string _writerName;
    private readonly TimeProvider _time;
    private readonly AuditSettings _settings;
    private readonly SemaphoreSlim _signing = new(1, 1);
    private readonly SemaphoreSlim _sweeping = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, long> _signed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, UnsignedHead> _unsigned = new(StringComparer.Ordinal);
    private Dictionary<string, CheckpointHead> _dirty = new(StringComparer.Ordinal);
    private long _checkpointsRead;
    private DateTimeOffset _lastSigned = DateTimeOffset.MinValue;
    private long _recordsRead;
    private long _recordsReadBefore;
    private Task _running = Task.CompletedTask;
    private int _disposed;

    /// <summary>Creates the checkpointer; its timer starts with the silo (<see cref="Participate"/>).</summary>
    public AuditCheckpointer(IAuditStore store, AuditSigningKey key, IOptions<MeshGrainOptions> options, ILogger<AuditCheckpointer> logger)
    {
        _store = store;
        _key = key;
        _logger = logger;
        _time = options.Value.TimeProvider;
        _settings = options.Value.Audit;
        _writerName = Environment.MachineName + "/" + Environment.ProcessId + "/" + Guid.NewGuid().ToString("N")[..8];
    }

    /// <summary>The key checkpoints are signed with (and the keys verification trusts).</summary>
    public AuditSigningKey Key => _key;

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(AuditCheckpointer), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>Remembers the durable rows' streams' new heads for the next checkpoint.</summary>
    public void Note(IEnumerable<AuditRow> durable)
    {
        lock (_gate)
        {
            foreach (var row in durable)
            {
                NoteLocked(new CheckpointHead(row.Stream, row.Sequence, row.Hash));
            }
        }
    }

    /// <summary>
    /// A chain recovered <paramref name="head"/> of <paramref name="stream"/> from the store (a new activation, or after
    /// a failed write): the next sweep signs it unless a checkpoint already does, or its unsigned part is too old.
    /// </summary>
    public void NoteRecovered(string stream, AuditHead head)
    {
        lock (_gate)
        {
            if (_signed.GetValueOrDefault(stream) < head.Sequence && (!_unsigned.TryGetValue(stream, out var known) || known.Sequence < head.Sequence))
            {
                // Its time is read with the record when the sweep decides; MinValue marks "sign whatever its age".
                _unsigned[stream] = new UnsignedHead(head.Sequence, head.Hash, DateTimeOffset.MinValue);
            }
        }
    }

    /// <summary>
    /// Finds heads no trusted checkpoint signs: every stream's when <paramref name="everyStream"/> (at start), else the
    /// streams written since the sweep before last. Adds those whose first unsigned record is still inside the coverage
    /// window to the next checkpoint; returns how many it added.
    /// </summary>
    public async Task<int> SweepAsync(bool everyStream, CancellationToken cancellationToken)
    {
        await _sweeping.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await ReadNewCheckpointsAsync(cancellationToken).ConfigureAwait(false);

            // Read from the sweep before last: a transaction that took an id before the last sweep but committed after
            // it (PostgreSQL hands out ids before commit) is still seen.
            var newest = _recordsRead;
            await foreach (var head in _store.ReadHeadsAsync(everyStream ? 0 : _recordsReadBefore, cancellationToken).ConfigureAwait(false))
            {
                newest = Math.Max(newest, head.Id);
                lock (_gate)
                {
                    if (_signed.GetValueOrDefault(head.Stream) < head.Sequence && (!_unsigned.TryGetValue(head.Stream, out var known) || known.Sequence < head.Sequence))
                    {
                        _unsigned[head.Stream] = new UnsignedHead(head.Sequence, head.Hash, everyStream ? DateTimeOffset.MinValue : head.Time);
                    }
                }
            }

            _recordsReadBefore = _recordsRead;
            _recordsRead = newest;
            return await AdoptAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _sweeping.Release();
        }
    }

    /// <summary>Signs and stores a checkpoint of the heads written since the last one; null when nothing was written.</summary>
    public async Task<AuditCheckpoint?> CheckpointNowAsync(CancellationToken cancellationToken)
    {
        await _signing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            AuditCheckpoint? last = null;
            while (true)
            {
                List<CheckpointHead> heads;
                lock (_gate)
                {
                    if (_dirty.Count == 0)
                    {
                        return last;
                    }

                    heads = [.. _dirty.Values.Take(MaxHeadsPerCheckpoint)];
                    foreach (var head in heads)
                    {
                        _dirty.Remove(head.Stream);
                    }
                }

                // Strictly increasing per writer, even if the wall clock steps back: verification reads a checkpoint
                // signed no later than the one stored before it (same writer) as an old one stored again.
                var now = AuditText.ToMicroseconds(_time.GetUtcNow());
                if (now <= _lastSigned)
                {
                    now = _lastSigned.AddTicks(TimeSpan.TicksPerMicrosecond);
                }

                var body = AuditCheckpoints.Encode(now, _writerName, heads);
                var checkpoint = new AuditCheckpoint(0, now, _writerName, _key.KeyId, _key.PublicKey, body, _key.Sign(body));
                try
                {
                    await _store.AppendCheckpointAsync(checkpoint, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    // Not lost: the heads go into the next attempt (newer heads written meanwhile win).
                    lock (_gate)
                    {
                        foreach (var head in heads)
                        {
                            _dirty.TryAdd(head.Stream, head);
                        }
                    }

                    throw;
                }

                _lastSigned = now;
                lock (_gate)
                {
                    foreach (var head in heads)
                    {
                        if (_signed.GetValueOrDefault(head.Stream) < head.Sequence)
                        {
                            _signed[head.Stream] = head.Sequence;
                        }
                    }
                }

                last = checkpoint;
            }
        }
        finally
        {
            _signing.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        // The container disposes it once per registration (itself, and as a lifecycle participant).
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _stopping.Cancel();
            _stopping.Dispose();
        }
    }

    private bool Periodic => _settings.CheckpointInterval > TimeSpan.Zero && _settings.Durability != AuditDurability.Off;

    private Task StartAsync(CancellationToken cancellationToken)
    {
        if (Periodic)
        {
            _running = Task.Run(() => RunAsync(_settings.CheckpointInterval, _stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
        }

        await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync(TimeSpan interval, CancellationToken stopping)
    {
        var everyStream = true;
        using var timer = new PeriodicTimer(interval);
        try
        {
            do
            {
                try
                {
                    await SweepAsync(everyStream, stopping).ConfigureAwait(false);
                    everyStream = false;
                    await CheckpointNowAsync(stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWarningCheckpointFailed(_logger, ex, _store.Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ReadNewCheckpointsAsync(CancellationToken cancellationToken)
    {
        await foreach (var checkpoint in _store.ReadCheckpointsAsync(_checkpointsRead, cancellationToken).ConfigureAwait(false))
        {
            _checkpointsRead = Math.Max(_checkpointsRead, checkpoint.Id);

            // Only what verification would accept counts as signed: a planted checkpoint must not stop this silo signing.
            if (!_key.Trusts(checkpoint.KeyId) || AuditSigningKey.IdOf(checkpoint.PublicKey) != checkpoint.KeyId
                || !AuditSigningKey.IsValid(checkpoint.PublicKey, checkpoint.Body, checkpoint.Signature))
            {
                continue;
            }

            IReadOnlyList<CheckpointHead> heads;
            try
            {
                heads = AuditCheckpoints.Decode(checkpoint.Body);
            }
            catch (AuditFormatException)
            {
                continue;
            }

            lock (_gate)
            {
                foreach (var head in heads)
                {
                    if (_signed.GetValueOrDefault(head.Stream) < head.Sequence)
                    {
                        _signed[head.Stream] = head.Sequence;
                    }
                }
            }
        }
    }

    private async Task<int> AdoptAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var interval = _settings.CheckpointInterval;
        var window = interval * Math.Max(1, _settings.CoverageIntervals);
        List<(string Stream, UnsignedHead Head, long Signed)> ready = [];
        lock (_gate)
        {
            foreach (var (stream, head) in _unsigned)
            {
                var signed = _signed.GetValueOrDefault(stream);
                if (signed >= head.Sequence)
                {
                    ready.Add((stream, head, -1));
                }
                else if (head.Time == DateTimeOffset.MinValue || head.Time <= AuditText.Before(now, interval))
                {
                    // A live writer signs its heads within one interval: one still unsigned after that was orphaned.
                    ready.Add((stream, head, signed));
                }
            }

            foreach (var (stream, _, _) in ready)
            {
                _unsigned.Remove(stream);
            }
        }

        var adopted = 0;
        foreach (var (stream, head, signed) in ready)
        {
            if (signed < 0)
            {
                continue;
            }

            var firstUnsigned = await _store.ReadRecordAsync(stream, signed + 1, cancellationToken).ConfigureAwait(false);
            if (firstUnsigned is null)
            {
                // The store no longer holds what it held a moment ago; verification names what happened.
                continue;
            }

            if (firstUnsigned.Time < AuditText.Before(now, window))
            {
                LogWarningUnsignedTooOld(_logger, stream, signed + 1, head.Sequence, firstUnsigned.Time);
                continue;
            }

            lock (_gate)
            {
                NoteLocked(new CheckpointHead(stream, head.Sequence, head.Hash));
            }

            adopted++;
        }

        return adopted;
    }

    private void NoteLocked(CheckpointHead head)
    {
        if (!_dirty.TryGetValue(head.Stream, out var known) || known.Sequence < head.Sequence)
        {
            _dirty[head.Stream] = head;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store an audit checkpoint in the {Store} store; the heads go into the next one")]
    private static partial void LogWarningCheckpointFailed(ILogger logger, Exception exception, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Records #{First} to #{Last} of audit stream {Stream} were never signed by a checkpoint and #{First} dates from {Time:O}, older than the coverage window: not signing them now (audit verify reports them)")]
    private static partial void LogWarningUnsignedTooOld(ILogger logger, string stream, long first, long last, DateTimeOffset time);

    private readonly record struct UnsignedHead(long Sequence, byte[] Hash, DateTimeOffset Time);
}
