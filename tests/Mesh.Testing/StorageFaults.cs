using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Mesh.Testing;

/// <summary>
/// Storage that fails on command: wraps Mesh's grain storage in every silo of a test cluster so a test can make the
/// writes of chosen states fail (a database refusing a commit), and read what is really durable. One instance per
/// cluster; register it with <see cref="AddTo"/> from <see cref="MeshCluster.WithSilos"/>'s silo callback.
/// </summary>
public sealed class StorageFaults
{
    private volatile Func<string, bool> _failing = static _ => false;
    private volatile IGrainStorage? _inner;
    private int _refused;

    /// <summary>Writes refused so far.</summary>
    public int RefusedWrites => Volatile.Read(ref _refused);

    /// <summary>From now on every write of a state whose name matches fails (reads keep working).</summary>
    public void FailWrites(Func<string, bool> stateName) => _failing = stateName;

    /// <summary>Writes succeed again.</summary>
    public void Heal() => _failing = static _ => false;

    /// <summary>
    /// Wraps the grain storage named <paramref name="provider"/> (Mesh's by default) of this silo. Call it after the
    /// storage itself is registered (the cluster's silo callback runs after it).
    /// </summary>
    public void AddTo(ISiloBuilder silo, string provider = Mesh.Grains.Hosting.MeshStorage.ProviderName)
    {
        var services = silo.Services;
        var original = services.LastOrDefault(d => d.ServiceType == typeof(IGrainStorage) && d.IsKeyedService && Equals(d.ServiceKey, provider) && d.KeyedImplementationFactory is not null)
            ?? throw new InvalidOperationException($"Grain storage '{provider}' must be registered (by a factory) before its faults.");
        services.Remove(original);
        services.AddKeyedSingleton<IGrainStorage>(provider, (sp, key) =>
        {
            var inner = (IGrainStorage)original.KeyedImplementationFactory!(sp, key);
            _inner ??= inner;
            return new FaultyGrainStorage(inner, this);
        });
    }

    /// <summary>What storage holds for a state (a fresh read, past every grain's memory), or default when nothing was written.</summary>
    public async Task<T?> ReadDurableAsync<T>(string stateName, GrainId grain)
    {
        var inner = _inner ?? throw new InvalidOperationException("No silo has used the storage yet.");
        var state = new GrainState<T>();
        await inner.ReadStateAsync(stateName, grain, state);
        return state.RecordExists ? state.State : default;
    }

    internal bool Refuses(string stateName)
    {
        if (!_failing(stateName))
        {
            return false;
        }

        Interlocked.Increment(ref _refused);
        return true;
    }
}
