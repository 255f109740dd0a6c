using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Mesh.Grains.Hosting;

/// <summary>
/// Grain storage in process memory, shared by every silo of an embedded cluster in this process (the silos that name
/// the same store share it, so it outlives any one of them, as a database would). For load tests and experiments: nothing survives the process. Unlike Orleans' memory
/// storage it keeps no storage grains, so a write costs a serialization, not a grain call, which is closer to what a
/// real store costs the silo. ETags are checked as a durable store would.
/// </summary>
internal sealed class InProcessGrainStorage(ConcurrentDictionary<(string State, GrainId Grain), (long ETag, byte[] Payload)> store, IGrainStorageSerializer serializer) : IGrainStorage
{
    private static readonly ConcurrentDictionary<string, ConcurrentDictionary<(string, GrainId), (long, byte[])>> Stores = new(StringComparer.Ordinal);

    /// <summary>The store shared by the silos that name it.</summary>
    public static ConcurrentDictionary<(string State, GrainId Grain), (long ETag, byte[] Payload)> For(string dataDir) => Stores.GetOrAdd(dataDir, _ => new());

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (store.TryGetValue((stateName, grainId), out var entry))
        {
            grainState.State = serializer.Deserialize<T>(new BinaryData(entry.Payload));
            grainState.ETag = entry.ETag.ToString(System.Globalization.CultureInfo.InvariantCulture);
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = serializer.Serialize(grainState.State).ToArray();
        var key = (stateName, grainId);
        long next;
        if (grainState.ETag is null)
        {
            next = 1;
            if (!store.TryAdd(key, (next, payload)))
            {
                throw new InconsistentStateException($"State '{stateName}' of {grainId} already exists.");
            }
        }
        else
        {
            var current = long.Parse(grainState.ETag, System.Globalization.CultureInfo.InvariantCulture);
            next = current + 1;
            if (!store.TryGetValue(key, out var existing) || existing.ETag != current || !store.TryUpdate(key, (next, payload), existing))
            {
                throw new InconsistentStateException($"State '{stateName}' of {grainId} was changed by someone else (ETag {grainState.ETag} is stale).");
            }
        }

        grainState.ETag = next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        store.TryRemove((stateName, grainId), out _);
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }
}

/// <summary>Registers <see cref="InProcessGrainStorage"/> as Mesh's grain storage.</summary>
public static class InProcessGrainStorageExtensions
{
    /// <summary>
    /// Uses process memory shared by every silo of this process that names the same <paramref name="store"/> as Mesh's
    /// grain storage and audit store: for embedded experiments, load tests and test clusters whose silos are killed and restarted.
    /// </summary>
    public static ISiloBuilder AddMeshInProcessStorage(this ISiloBuilder silo, string store)
    {
        silo.Services.AddSingleton<OrleansBinaryStateSerializer>();
        silo.Services.AddGrainStorage(MeshStorage.ProviderName, (services, _) => new InProcessGrainStorage(
            InProcessGrainStorage.For(store),
            services.GetRequiredService<OrleansBinaryStateSerializer>()));
        // The audit trail lives beside the grain state, shared the same way.
        silo.Services.AddSingleton<Audit.IAuditStore>(Audit.InProcessAuditStore.For(store));
        return silo;
    }
}
