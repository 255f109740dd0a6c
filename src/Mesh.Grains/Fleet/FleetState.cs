using Mesh.Contracts.Fleet;

namespace Mesh.Grains.Fleet;

/// <summary>Persisted fleet-wide state.</summary>
[GenerateSerializer, Alias("mesh.state.Fleet")]
internal sealed class FleetState
{
    [Id(0)] public FleetStatus Status { get; set; } = new();
}
