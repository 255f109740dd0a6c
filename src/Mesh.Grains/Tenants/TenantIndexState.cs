namespace Mesh.Grains.Tenants;

/// <summary>Persisted state of one index shard.</summary>
[GenerateSerializer, Alias("mesh.state.TenantIndex")]
internal sealed class TenantIndexState
{
    [Id(0)] public HashSet<string> Ids { get; set; } = new(StringComparer.Ordinal);
}
