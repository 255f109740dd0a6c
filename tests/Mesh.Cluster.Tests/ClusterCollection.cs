using Mesh.Testing.Postgres;

namespace Mesh.Cluster.Tests;

/// <summary>
/// The cluster tests share one throwaway PostgreSQL server (each test its own database) and run one at a time: each
/// starts several silo processes, and the machine has few cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "cluster on postgres";
}
