using System.Collections.Concurrent;
using System.Threading.Channels;
using Mesh.Grains.Diagnostics;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Grains.Audit;

/// <summary>
/// The silo's one writer of audit records: every grain on the silo hands its records here, and one loop writes
/// whatever has queued up in a single batch (group commit). While a batch is being written the next one fills, so a
/// busy silo writes large batches and an idle one writes at once: durability costs latency, not throughput.
/// <para>
/// A record that fails to be written must not be followed by the records of its stream that chain onto it (they would
/// leave a gap). So a failure "poisons" the stream for the chain that produced it: its later records fail too, until
/// the owning grain re-reads its head from the store and starts a new chain (<see cref="AuditChain"/>).
/// </para>
/// </summary>
public sealed partial class AuditWriter : IAsyncDisposable
{
    private readonly IAuditStore _store;
    private readonly AuditSettings _settings;
    private readonly AuditCheckpointer _checkpointer;
    private readonly ILogger<AuditWriter> _logger;
    private readonly MeshMetrics _metrics;
    private readonly Channel<Pending> _queue;
    private readonly ConcurrentDictionary<string, (long Chain, long FailedFrom)> _poisoned = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly IDisposable _depthGauge;
    private readonly Task _loop;
    private long _depth;

    /// <summary>Creates the writer and starts its loop.</summary>
    public AuditWriter(IAuditStore store, IOptions<MeshGrainOptions> options, AuditCheckpointer checkpointer, MeshMetrics metrics, ILogger<AuditWriter> logger)
    {
        _store = store;
        _settings = options.Value.Audit;
        _checkpointer = checkpointer;
        _logger = logger;
        _metrics = metrics;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Math.Max(1, _settings.QueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _depthGauge = metrics.ObserveAuditQueueDepth(() => Interlocked.Read(ref _depth));
        _loop = _settings.Durability == AuditDurability.Off ? Task.CompletedTask : StartWriterThread();
    }

    /// <summary>The store records go to.</summary>
    public IAuditStore Store => _store;

    /// <summary>Whether records are written at all.</summary>
    public bool Enabled => _settings.Durability != AuditDurability.Off;

    /// <summary>
    /// Queues <paramref name="row"/>, produced by chain <paramref name="chain"/>. The task completes when the row is
    /// durable (durable mode) or queued (async mode), and faults when it cannot be written.
    /// </summary>
    public Task AppendAsync(AuditRow row, long chain)
    {
        if (!Enabled)
        {
            return Task.CompletedTask;
        }

        var pending = new Pending(row, chain, _settings.Durability == AuditDurability.Durable ? new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) : null);
        Interlocked.Increment(ref _depth);
        if (!_queue.Writer.TryWrite(pending))
        {
            return EnqueueSlowAsync(pending);
        }

        return pending.Done?.Task ?? Task.CompletedTask;
    }

    /// <summary>
    /// A chain read <paramref name="head"/> of <paramref name="stream"/> back from the store: after a crash nobody may
    /// have signed it, so the checkpointer signs it (unless a checkpoint already does).
    /// </summary>
    public void HeadRecovered(string stream, AuditHead head) => _checkpointer.NoteRecovered(stream, head);

    /// <summary>Writes what is queued, signs a last checkpoint, and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            LogErrorDrainTimeout(_logger, Interlocked.Read(ref _depth));
        }

        if (Enabled)
        {
            try
            {
                await _checkpointer.CheckpointNowAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogWarningFinalCheckpoint(_logger, ex);
            }
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _depthGauge.Dispose();
        _stopping.Dispose();
    }

    private async Task EnqueueSlowAsync(Pending pending)
    {
        try
        {
            await _queue.Writer.WriteAsync(pending).ConfigureAwait(false);
        }
        catch (ChannelClosedException ex)
        {
            Interlocked.Decrement(ref _depth);
            throw new AuditUnavailableException("The silo is shutting down; the record was not written.", ex);
        }

        if (pending.Done is { } done)
        {
            await done.Task.ConfigureAwait(false);
        }
    }

    // The loop has a thread of its own: SQLite writes (and their disk flushes) are synchronous, and on a small machine
    // a pool thread blocked for milliseconds per batch starves the grains that run on the same pool.
    private Task StartWriterThread()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run();
                stopped.SetResult();
            }
            catch (Exception ex)
            {
                LogErrorWriterStopped(_logger, ex);
                stopped.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "mesh-audit-writer",
        };
        thread.Start();
        return stopped.Task;
    }

    private void Run()
    {
        var batch = new List<Pending>(Math.Min(_settings.MaxBatch, 4096));
        var rows = new List<AuditRow>(batch.Capacity);
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            batch.Clear();
            while (batch.Count < _settings.MaxBatch && reader.TryRead(out var pending))
            {
                batch.Add(pending);
            }

            Interlocked.Add(ref _depth, -batch.Count);
            WriteBatchAsync(batch, rows).GetAwaiter().GetResult();
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch, List<AuditRow> rows)
    {
        // Records chaining onto a record that failed fail with it, without touching the store.
        rows.Clear();
        var writable = new List<Pending>(batch.Count);
        foreach (var pending in batch)
        {
            if (IsPoisoned(pending))
            {
                pending.Fail(new AuditUnavailableException($"An earlier record of stream '{pending.Row.Stream}' was not written, so this one (which chains onto it) is not written either."));
            }
            else
            {
                writable.Add(pending);
                rows.Add(pending.Row);
            }
        }

        if (rows.Count == 0)
        {
            return;
        }

        while (true)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                await _store.AppendAsync(rows, _stopping.Token).ConfigureAwait(false);
                _metrics.RecordAuditWrite(rows.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started), committed: true);
                Succeeded(writable);
                return;
            }
            catch (AuditConflictException)
            {
                _metrics.RecordAuditWrite(rows.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started), committed: false);
                // Rare: two activations of one agent (a partition, a crash) both took the same sequence number. Write
                // the rows one by one so only the conflicting stream's records fail.
                await WriteOneByOneAsync(writable).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (_settings.Durability == AuditDurability.Async && !_stopping.IsCancellationRequested)
            {
                _metrics.RecordAuditWrite(rows.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started), committed: false);
                // The decisions have returned already: keep the records and try again rather than lose them.
                LogWarningRetrying(_logger, ex, rows.Count, _store.Name);
                await Task.Delay(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _metrics.RecordAuditWrite(rows.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started), committed: false);
                LogErrorBatchFailed(_logger, ex, rows.Count, _store.Name);
                var failure = new AuditUnavailableException($"The audit store ({_store.Name}) could not write the record: {ex.Message}", ex);
                foreach (var pending in writable)
                {
                    Poison(pending);
                    pending.Fail(failure);
                }

                return;
            }
        }
    }

    private async Task WriteOneByOneAsync(List<Pending> pendings)
    {
        var single = new AuditRow[1];
        var written = new List<Pending>(pendings.Count);
        foreach (var pending in pendings)
        {
            if (IsPoisoned(pending))
            {
                pending.Fail(new AuditUnavailableException($"An earlier record of stream '{pending.Row.Stream}' was not written."));
                continue;
            }

            single[0] = pending.Row;
            try
            {
                await _store.AppendAsync(single, _stopping.Token).ConfigureAwait(false);
                written.Add(pending);
            }
            catch (Exception ex)
            {
                LogWarningRecordRejected(_logger, ex, pending.Row.RecordId);
                Poison(pending);
                pending.Fail(new AuditUnavailableException($"Record {pending.Row.RecordId} could not be written: {ex.Message}", ex));
            }
        }

        Succeeded(written);
    }

    private void Succeeded(List<Pending> written)
    {
        _checkpointer.Note(written.Select(p => p.Row));
        foreach (var pending in written)
        {
            // A record of a new chain written: the stream is healthy again.
            if (_poisoned.TryGetValue(pending.Row.Stream, out var poison) && poison.Chain != pending.Chain)
            {
                _poisoned.TryRemove(new KeyValuePair<string, (long, long)>(pending.Row.Stream, poison));
            }

            pending.Done?.TrySetResult();
        }
    }

    private bool IsPoisoned(Pending pending) =>
        _poisoned.TryGetValue(pending.Row.Stream, out var poison) && poison.Chain == pending.Chain && pending.Row.Sequence > poison.FailedFrom;

    private void Poison(Pending pending) =>
        _poisoned.AddOrUpdate(
            pending.Row.Stream,
            static (_, p) => (p.Chain, p.Row.Sequence),
            static (_, existing, p) => existing.Chain == p.Chain ? (p.Chain, Math.Min(existing.FailedFrom, p.Row.Sequence)) : (p.Chain, p.Row.Sequence),
            pending);

    [LoggerMessage(Level = LogLevel.Error, Message = "Audit batch of {Count} records failed on the {Store} store; the decisions waiting on them are denied (fail closed)")]
    private static partial void LogErrorBatchFailed(ILogger logger, Exception exception, int count, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit batch of {Count} records failed on the {Store} store (asynchronous mode); retrying")]
    private static partial void LogWarningRetrying(ILogger logger, Exception exception, int count, string store);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Audit record {RecordId} was rejected by the store")]
    private static partial void LogWarningRecordRejected(ILogger logger, Exception exception, string recordId);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The audit writer stopped unexpectedly; every decision on this silo is denied until it restarts")]
    private static partial void LogErrorWriterStopped(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not sign the last audit checkpoint while stopping")]
    private static partial void LogWarningFinalCheckpoint(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Stopping with {Count} audit records still unwritten after 30 s")]
    private static partial void LogErrorDrainTimeout(ILogger logger, long count);

    private sealed record Pending(AuditRow Row, long Chain, TaskCompletionSource? Done)
    {
        public void Fail(Exception error) => Done?.TrySetException(error);
    }
}

/// <summary>An audit record could not be made durable; whatever waited on it must fail closed.</summary>
public sealed class AuditUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AuditUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AuditUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AuditUnavailableException()
        : base("The audit record could not be written.")
    {
    }
}
