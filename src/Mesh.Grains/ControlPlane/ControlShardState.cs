using System.Text.Json;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Mesh.Grains.ControlPlane;

/// <summary>One storage record of the control plane: the entries whose key hashes to it.</summary>
[GenerateSerializer, Alias("mesh.state.ControlShard")]
internal sealed class ControlShardState
{
    [Id(0)] public Dictionary<string, ControlChange> Entries { get; set; } = new(StringComparer.Ordinal);
}
