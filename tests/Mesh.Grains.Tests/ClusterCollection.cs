using Mesh.Testing;

namespace Mesh.Grains.Tests;

/// <summary>All grain tests share one two-silo cluster; each test works in its own tenant.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<MeshCluster>
{
    public const string Name = "cluster";
}
