using Xunit;

namespace Mesh.Testing.Postgres;

/// <summary>
/// A test that needs PostgreSQL: skipped, with the reason, where none is available — unless
/// <c>MESH_REQUIRE_POSTGRES=1</c>, which makes it run and fail instead.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="PostgresServer.Availability"/>.</summary>
    public PostgresFactAttribute()
    {
        Skip = PostgresServer.Availability.SkipReason;
    }
}

/// <summary>A data-driven test that needs PostgreSQL; skipped like <see cref="PostgresFactAttribute"/>.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> from <see cref="PostgresServer.Availability"/>.</summary>
    public PostgresTheoryAttribute()
    {
        Skip = PostgresServer.Availability.SkipReason;
    }
}
