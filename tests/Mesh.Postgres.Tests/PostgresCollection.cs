using Mesh.Testing.Postgres;

namespace Mesh.Postgres.Tests;

/// <summary>Every test here shares one PostgreSQL server (each test its own database) and runs one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
