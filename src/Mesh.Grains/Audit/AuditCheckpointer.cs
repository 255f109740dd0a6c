using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Grains.Audit;

/// <summary>
/// Signs, every <see cref="AuditSettings.CheckpointInterval"/>, the heads of the streams this silo has written since
/// its last checkpoint. Each silo signs what it wrote, so no silo has to gather the heads of the others: together the
/// checkpoints cover every stream. A checkpoint pins a stream's head; an attacker with write access to the store who
/// rewrites a chain (recomputing every hash) cannot produce a checkpoint signature for it, and one who cuts off the
/// tail leaves a signed head with no record behind it.
/// </summary>
public sealed partial class AuditCheckpointer : IDisposable
{
    private readonly IAuditStore _store;
    private readonly AuditSigningKey _key;
    private readonly ILogger<AuditCheckpointer> _logger;
    private readonly string _writerName;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _signing = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Dictionary<string, CheckpointHead> _dirty = new(StringComparer.Ordinal);

    /// <summary>Creates the checkpointer and starts its timer.</summary>
    public AuditCheckpointer(IAuditStore store, AuditSigningKey key, IOptions<MeshGrainOptions> options, ILogger<AuditCheckpointer> logger)
    {
        _store = store;
        _key = key;
        _logger = logger;
        _time = options.Value.TimeProvider;
        _writerName = Environment.MachineName + "/" + Environment.ProcessId + "/" + Guid.NewGuid().ToString("N")[..8];
        var interval = options.Value.Audit.CheckpointInterval;
        if (interval > TimeSpan.Zero && options.Value.Audit.Durability != AuditDurability.Off)
        {
            _ = RunAsync(interval);
        }
    }

    /// <summary>The key checkpoints are signed with (and the keys verification trusts).</summary>
    public AuditSigningKey Key => _key;

    /// <summary>Remembers the durable rows' streams' new heads for the next checkpoint.</summary>
    public void Note(IEnumerable<AuditRow> durable)
    {
        lock (_gate)
        {
            foreach (var row in durable)
            {
                if (!_dirty.TryGetValue(row.Stream, out var known) || known.Sequence < row.Sequence)
                {
                    _dirty[row.Stream] = new CheckpointHead(row.Stream, row.Sequence, row.Hash);
                }
            }
        }
    }

    /// <summary>Signs and stores a checkpoint of the heads written since the last one; null when nothing was written.</summary>
    public async Task<AuditCheckpoint?> CheckpointNowAsync(CancellationToken cancellationToken)
    {
        await _signing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Dictionary<string, CheckpointHead> heads;
            lock (_gate)
            {
                if (_dirty.Count == 0)
                {
                    return null;
                }

                heads = _dirty;
                _dirty = new Dictionary<string, CheckpointHead>(StringComparer.Ordinal);
            }

            var now = AuditText.ToMicroseconds(_time.GetUtcNow());
            var body = AuditCheckpoints.Encode(now, _writerName, heads.Values);
            var checkpoint = new AuditCheckpoint(0, now, _writerName, _key.KeyId, _key.PublicKey, body, _key.Sign(body));
            try
            {
                await _store.AppendCheckpointAsync(checkpoint, cancellationToken).ConfigureAwait(false);
                return checkpoint;
            }
            catch
            {
                // Not lost: the heads go into the next attempt (newer heads written meanwhile win).
                lock (_gate)
                {
                    foreach (var (stream, head) in heads)
                    {
                        _dirty.TryAdd(stream, head);
                    }
                }

                throw;
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
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                try
                {
                    await CheckpointNowAsync(_stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWarningCheckpointFailed(_logger, ex, _store.Name);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not store an audit checkpoint in the {Store} store; the heads go into the next one")]
    private static partial void LogWarningCheckpointFailed(ILogger logger, Exception exception, string store);
}
