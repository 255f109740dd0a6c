using Orleans.Storage;

namespace Mesh.Testing;

/// <summary>Grain storage that refuses the writes <see cref="StorageFaults"/> says to, as a failing database would.</summary>
internal sealed class FaultyGrainStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage
{
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        faults.Refuses(stateName)
            ? Task.FromException(new OrleansException($"Injected storage fault: the write of '{stateName}' for {grainId} failed."))
            : inner.WriteStateAsync(stateName, grainId, grainState);

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        faults.Refuses(stateName)
            ? Task.FromException(new OrleansException($"Injected storage fault: clearing '{stateName}' for {grainId} failed."))
            : inner.ClearStateAsync(stateName, grainId, grainState);
}
