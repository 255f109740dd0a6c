using Mesh.Contracts.Credentials;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// One entry of the fleet-wide state decisions obey: exactly one of <see cref="Fleet"/>, <see cref="Gate"/> (with
/// <see cref="Tenant"/>), <see cref="Credential"/> or <see cref="Agent"/> is set. The owner grain sets
/// <see cref="Revision"/> (its own change counter); the control plane sets <see cref="Epoch"/> when the change is
/// durable, and every view keeps, per <see cref="Key"/>, the entry with the highest epoch.
/// </summary>
[GenerateSerializer, Immutable, Alias("mesh.ControlChange")]
internal sealed record ControlChange
{
    [Id(0)] public FleetStatus? Fleet { get; init; }

    [Id(1)] public string? Tenant { get; init; }

    [Id(2)] public TenantGate? Gate { get; init; }

    [Id(3)] public CredentialSnapshot? Credential { get; init; }

    [Id(4)] public AgentGate? Agent { get; init; }

    /// <summary>Cluster-wide order, assigned by <see cref="IControlPlaneGrain.Commit"/>; 0 until committed.</summary>
    [Id(5)] public long Epoch { get; init; }

    /// <summary>The owner's revision of this entry; the control plane ignores a change older than what it has.</summary>
    public long Revision => Fleet?.Revision ?? Gate?.Revision ?? Credential?.Revision ?? Agent?.Revision ?? 0;

    /// <summary>What the entry is about: one entry per key survives compaction.</summary>
    public string Key => Fleet is not null ? "fleet"
        : Gate is not null ? "tenant:" + Tenant
        : Credential is not null ? "credential:" + Credential.CredentialId
        : Agent is not null ? "agent:" + Agent.AgentId
        : throw new InvalidOperationException("A control-plane change must set one part.");
}
