using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Mesh.Grains.Audit;

/// <summary>
/// Audit records in process memory, shared by the silos of an in-process cluster that name the same store (as they
/// share <see cref="Hosting.InProcessGrainStorage"/>). For tests, load tests and experiments: nothing survives the
/// process. It enforces what a real store enforces: unique (stream, sequence), atomic batches.
/// </summary>
public sealed class InProcessAuditStore : IAuditStore
{
    private static readonly ConcurrentDictionary<string, InProcessAuditStore> Stores = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<AuditRow> _rows = [];
    private readonly Dictionary<(string Stream, long Sequence), int> _index = [];
    private readonly List<AuditCheckpoint> _checkpoints = [];

    /// <summary>The store shared by every silo that names <paramref name="name"/>.</summary>
    public static InProcessAuditStore For(string name) => Stores.GetOrAdd(name, _ => new InProcessAuditStore());

    /// <inheritdoc />
    public string Name => "memory";

    /// <summary>How many records the store holds.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _rows.Count;
            }
        }
    }

    /// <summary>When set, every append and head read fails with it at once: a store outage, for fault tests and drills.</summary>
    public Exception? Outage { get; set; }

    /// <inheritdoc />
    public Task AppendAsync(IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken)
    {
        if (Outage is { } failure)
        {
            return Task.FromException(failure);
        }

        lock (_gate)
        {
            var seen = new HashSet<(string, long)>();
            foreach (var row in rows)
            {
                if (_index.ContainsKey((row.Stream, row.Sequence)) || !seen.Add((row.Stream, row.Sequence)))
                {
                    throw new AuditConflictException($"Record {row.RecordId} already exists.");
                }
            }

            foreach (var row in rows)
            {
                _index[(row.Stream, row.Sequence)] = _rows.Count;
                _rows.Add(row with { Id = _rows.Count + 1 });
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AuditHead?> ReadHeadAsync(string stream, CancellationToken cancellationToken)
    {
        if (Outage is { } failure)
        {
            return Task.FromException<AuditHead?>(failure);
        }

        lock (_gate)
        {
            AuditRow? best = null;
            foreach (var row in _rows)
            {
                if (row.Stream == stream && (best is null || row.Sequence > best.Sequence))
                {
                    best = row;
                }
            }

            return Task.FromResult(best is null ? null : new AuditHead(best.Sequence, best.Hash));
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditRow> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<AuditRow> matches;
        lock (_gate)
        {
            var candidates = query.NewestFirst ? Enumerable.Reverse(_rows) : _rows;
            matches = candidates.Where(r => AuditQueries.Matches(query, r)).Take(Math.Clamp(query.Limit, 1, AuditQuery.MaxLimit)).ToList();
        }

        foreach (var row in matches)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditRow> ReadChainsAsync(string? stream, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<AuditRow> rows;
        lock (_gate)
        {
            rows = _rows.Where(r => stream is null || r.Stream == stream)
                .OrderBy(r => r.Stream, StringComparer.Ordinal).ThenBy(r => r.Sequence).ToList();
        }

        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditRow> ReadHeadsAsync(long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<AuditRow> heads;
        lock (_gate)
        {
            // Ids are positions + 1, and a stream's records are appended in sequence order: its head is among the recent rows.
            var latest = new Dictionary<string, AuditRow>(StringComparer.Ordinal);
            for (var i = (int)Math.Clamp(afterId, 0, _rows.Count); i < _rows.Count; i++)
            {
                var row = _rows[i];
                if (!latest.TryGetValue(row.Stream, out var known) || known.Sequence < row.Sequence)
                {
                    latest[row.Stream] = row;
                }
            }

            heads = [.. latest.Values];
        }

        foreach (var head in heads)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return head;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <inheritdoc />
    public Task<AuditRow?> ReadRecordAsync(string stream, long sequence, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_index.TryGetValue((stream, sequence), out var at) ? _rows[at] : null);
        }
    }

    /// <inheritdoc />
    public Task AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _checkpoints.Add(checkpoint with { Id = _checkpoints.Count + 1 });
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<AuditCheckpoint> ReadCheckpointsAsync(long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        List<AuditCheckpoint> checkpoints;
        lock (_gate)
        {
            checkpoints = [.. _checkpoints.Where(c => c.Id > afterId)];
        }

        foreach (var checkpoint in checkpoints)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return checkpoint;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }
}

/// <summary>The query filters as a predicate, for stores that filter in memory (and as the reference for SQL stores).</summary>
public static class AuditQueries
{
    /// <summary>Whether <paramref name="row"/> passes every filter of <paramref name="query"/>.</summary>
    public static bool Matches(AuditQuery query, AuditRow row) =>
        row.Id > query.AfterId
        && (query.Tenant is null || row.Tenant == query.Tenant)
        && (query.AgentId is null || row.AgentId == query.AgentId)
        && (query.Stream is null || row.Stream == query.Stream)
        && (query.RequestId is null || row.RequestId == query.RequestId)
        && (query.From is null || row.Time >= query.From)
        && (query.To is null || row.Time < query.To)
        && (query.Kinds.Count == 0 || query.Kinds.Contains(row.Kind))
        && (query.Effect is null || row.Effect == query.Effect)
        && (query.Reason is null || row.Reason == query.Reason);
}
