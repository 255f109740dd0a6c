namespace Mesh.Contracts.Tenants;

/// <summary>Pause state and active policy version, as the decision path reads them.</summary>
[GenerateSerializer, Immutable, Alias("mesh.TenantGate")]
public readonly record struct TenantGate([property: Id(0)] bool Paused, [property: Id(1)] long PolicyVersion, [property: Id(2)] long ShadowVersion = 0, [property: Id(3)] long Revision = 0);
