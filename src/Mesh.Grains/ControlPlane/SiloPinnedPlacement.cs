using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Mesh.Grains.ControlPlane;

/// <summary>Places a grain on the silo its key names (the silo address in its parsable form).</summary>
[GenerateSerializer, Immutable, Alias("mesh.SiloPinnedPlacement")]
internal sealed class SiloPinnedPlacement : PlacementStrategy
{
    public static readonly SiloPinnedPlacement Instance = new();
}

/// <summary>Marks a grain class for <see cref="SiloPinnedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class SiloPinnedPlacementAttribute() : PlacementAttribute(SiloPinnedPlacement.Instance);

/// <summary>Activates a silo-pinned grain on its silo, and nowhere else: a silo that is gone gets no stand-in.</summary>
internal sealed class SiloPinnedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silo = SiloAddress.FromParsableString(target.GrainIdentity.Key.ToString()!);
        return context.GetCompatibleSilos(target).Contains(silo)
            ? Task.FromResult(silo)
            : throw new SiloUnavailableException($"Silo {silo} is not an active member; its control grain cannot be placed elsewhere.");
    }
}
