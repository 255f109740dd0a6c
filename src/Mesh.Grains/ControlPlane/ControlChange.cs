using Mesh.Contracts.Credentials;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;

namespace Mesh.Grains.ControlPlane;

/// <summary>One change pushed to every silo's view: exactly one of the parts is set.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ControlChange")]
internal sealed record ControlChange
{
    [Id(0)] public FleetStatus? Fleet { get; init; }

    [Id(1)] public string? Tenant { get; init; }

    [Id(2)] public TenantGate? Gate { get; init; }

    [Id(3)] public CredentialSnapshot? Credential { get; init; }
}

/// <summary>The grain pinned to one silo (key: the silo's address) that applies pushed changes to that silo's view.</summary>
internal interface ISiloControlGrain : IGrainWithStringKey
{
    Task Apply(ControlChange change);
}

/// <summary>Applies changes to the view of the silo it is pinned to.</summary>
[SiloPinnedPlacement]
internal sealed class SiloControlGrain(SiloControlView view) : Grain, ISiloControlGrain
{
    public Task Apply(ControlChange change)
    {
        view.Apply(change);
        return Task.CompletedTask;
    }
}
