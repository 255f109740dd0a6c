using System.Collections.Immutable;
using System.Text.Json;
using Orleans.Concurrency;
using Orleans.Runtime;

namespace Mesh.Grains.ControlPlane;

/// <summary>The answer to <see cref="IControlPlaneGrain.Sync"/>.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ControlSync")]
internal sealed record ControlSync
{
    [Id(0)] public long Epoch { get; init; }

    [Id(1)] public ImmutableArray<ControlChange> Changes { get; init; } = [];
}
