namespace Mesh.Grains.ControlPlane;

/// <summary>The grain pinned to one silo (key: the silo's address) that applies pushed changes to that silo's view.</summary>
internal interface ISiloControlGrain : IGrainWithStringKey
{
    /// <summary>Applies the change; returning means this silo's decisions obey it.</summary>
    Task Apply(ControlChange change);
}
