using Mesh.Contracts.Fleet;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Fleet;

/// <summary>Persisted fleet-wide state.</summary>
[GenerateSerializer, Alias("mesh.state.Fleet")]
internal sealed class FleetState
{
    [Id(0)] public FleetStatus Status { get; set; } = new();
}

/// <summary>
/// The emergency stop. Decisions read it on every call (the simple mechanism of this stage; the fleet-wide-changes
/// stage pushes it to a silo-local view instead).
/// </summary>
internal sealed class FleetGrain(
    [PersistentState("fleet", MeshStorage.ProviderName)] IPersistentState<FleetState> state,
    MeshClock clock) : Grain, IFleetGrain
{
    public Task<FleetStatus> EngageEmergencyStop(string? reason) => SetAsync(true, Text.Truncate(reason, 512));

    public Task<FleetStatus> ReleaseEmergencyStop() => SetAsync(false, null);

    public ValueTask<FleetStatus> GetStatus() => ValueTask.FromResult(state.State.Status);

    private async Task<FleetStatus> SetAsync(bool stopped, string? reason)
    {
        if (state.State.Status.EmergencyStop != stopped)
        {
            state.State.Status = new FleetStatus { EmergencyStop = stopped, Reason = reason, ChangedBy = OperatorActor.Current, ChangedAt = clock.UtcNow };
            await state.WriteOrDiscardAsync(GrainContext);
        }

        return state.State.Status;
    }
}
