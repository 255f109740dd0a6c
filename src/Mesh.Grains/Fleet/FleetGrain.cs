using Mesh.Contracts.Fleet;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Fleet;

/// <summary>
/// The emergency stop. Every change is durable, then pushed to every silo's control-plane view, before the call
/// returns; decisions read the view.
/// </summary>
internal sealed class FleetGrain(
    [PersistentState("fleet", MeshStorage.ProviderName)] IPersistentState<FleetState> state,
    ControlBroadcast broadcast,
    MeshClock clock) : Grain, IFleetGrain
{
    public Task<FleetStatus> EngageEmergencyStop(string? reason) => SetAsync(true, Text.Truncate(reason, 512));

    public Task<FleetStatus> ReleaseEmergencyStop(string? reason) => SetAsync(false, Text.Truncate(reason, 512));

    public ValueTask<FleetStatus> GetStatus() => ValueTask.FromResult(state.State.Status);

    private async Task<FleetStatus> SetAsync(bool stopped, string? reason)
    {
        if (state.State.Status.EmergencyStop != stopped)
        {
            state.State.Status = new FleetStatus { EmergencyStop = stopped, Reason = reason, ChangedBy = OperatorActor.Current, ChangedAt = clock.UtcNow, Revision = state.State.Status.Revision + 1 };
        }

        // Pushed also when nothing changed: a repeated call re-confirms the state on every silo and answers with a receipt.
        var receipt = await broadcast.PublishAsync(state, GrainContext, new ControlChange { Fleet = state.State.Status });
        return state.State.Status with { Receipt = receipt };
    }
}
