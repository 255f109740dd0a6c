using System.Collections.Immutable;
using System.Text.Json;
using Mesh.Grains.Hosting;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// Commits are serialized through this one activation, which makes the epoch a total order without coordination.
/// The entries are kept compacted (the newest per key) and spread over <see cref="Shards"/> storage records, so a
/// commit rewrites one record of about 1/16 of the entries rather than all of them. The epoch is not stored apart:
/// it is the highest epoch found in the records, so a commit is exactly one write and a crash can never leave an
/// epoch that was handed out but not saved.
/// </summary>
internal sealed class ControlPlaneGrain : Grain, IControlPlaneGrain
{
    private const int Shards = 16;

    private readonly IPersistentState<ControlShardState>[] _shards;
    // The same entries ordered by epoch, for Sync.
    private readonly SortedDictionary<long, ControlChange> _byEpoch = [];
    private long _epoch;

    public ControlPlaneGrain(IPersistentStateFactory states)
    {
        _shards = new IPersistentState<ControlShardState>[Shards];
        for (var i = 0; i < Shards; i++)
        {
            _shards[i] = states.Create<ControlShardState>(GrainContext, new PersistentStateAttribute($"control-{i}", MeshStorage.ProviderName));
        }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in _shards.SelectMany(s => s.State.Entries.Values))
        {
            _byEpoch[entry.Epoch] = entry;
            _epoch = Math.Max(_epoch, entry.Epoch);
        }

        return Task.CompletedTask;
    }

    public async Task<ControlChange> Commit(ControlChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        var key = change.Key;
        var shard = _shards[ShardOf(key)];
        if (shard.State.Entries.TryGetValue(key, out var stored)
            && (stored.Revision > change.Revision || (stored.Revision == change.Revision && SameContent(stored, change))))
        {
            return stored;
        }

        var committed = change with { Epoch = _epoch + 1 };
        shard.State.Entries[key] = committed;
        try
        {
            await shard.WriteStateAsync();
        }
        catch
        {
            // Not durable, so not committed: the record in memory goes back to what storage holds.
            if (stored is null)
            {
                shard.State.Entries.Remove(key);
            }
            else
            {
                shard.State.Entries[key] = stored;
            }

            throw;
        }

        _epoch = committed.Epoch;
        if (stored is not null)
        {
            _byEpoch.Remove(stored.Epoch);
        }

        _byEpoch[committed.Epoch] = committed;
        return committed;
    }

    public Task<ControlSync> Sync(long sinceEpoch)
    {
        if (sinceEpoch >= _epoch)
        {
            return Task.FromResult(new ControlSync { Epoch = _epoch });
        }

        var changes = sinceEpoch <= 0
            ? [.. _byEpoch.Values]
            : _byEpoch.Where(e => e.Key > sinceEpoch).Select(e => e.Value).ToImmutableArray();
        return Task.FromResult(new ControlSync { Epoch = _epoch, Changes = changes });
    }

    // The same revision with other content is not a retry: the owner's earlier change under this revision was committed
    // here, but the owner could not save it, reloaded its older record and made another change under the same
    // revision. That change is the owner's truth now (it saves it next), so it is committed; returning the stored one
    // would push the lost change again and answer with a receipt for a change the fleet never got (a revoke after a
    // resume whose save failed would leave the credential usable on every silo).
    private static bool SameContent(ControlChange stored, ControlChange change) =>
        JsonSerializer.SerializeToUtf8Bytes(stored with { Epoch = 0 }).AsSpan().SequenceEqual(JsonSerializer.SerializeToUtf8Bytes(change with { Epoch = 0 }));

    // A stable hash (string.GetHashCode is randomized per process, and the shard must be the same on every restart).
    private static int ShardOf(string key)
    {
        var hash = 2166136261u;
        foreach (var c in key)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % Shards);
    }
}
