using Xunit;

namespace Mesh.Testing.Postgres;

/// <summary>
/// One PostgreSQL server for a whole test collection (usually a whole test assembly); each test makes its own database
/// with <c>Server.CreateDatabaseAsync()</c>.
/// </summary>
/// <remarks>
/// xunit looks for collection definitions in the test assembly itself, so each test project that uses this fixture
/// adds one line of its own (the name is up to the project):
/// <code>
/// [CollectionDefinition("postgres")] public sealed class PostgresCollection : ICollectionFixture&lt;PostgresFixture&gt;;
/// </code>
/// and marks its test classes <c>[Collection("postgres")]</c> and their tests <c>[PostgresFact]</c> or
/// <c>[PostgresTheory]</c>. Where PostgreSQL is not available those tests are skipped (with the reason) and no server
/// starts; with <c>MESH_REQUIRE_POSTGRES=1</c> they fail instead.
/// </remarks>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>The shared server.</summary>
    /// <exception cref="InvalidOperationException">PostgreSQL is not available here (the tests using it should be skipped).</exception>
    public PostgresServer Server => _server ?? throw new InvalidOperationException(
        $"No PostgreSQL server: {PostgresServer.Availability.Description}. Mark the test [PostgresFact] so that it is skipped here.");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var availability = PostgresServer.Availability;
        if (availability.IsAvailable)
        {
            _server = await PostgresServer.StartAsync();
        }
        else if (availability.IsRequired)
        {
            throw new InvalidOperationException(
                $"PostgreSQL is required ({PostgresAvailability.RequireVariable}=1) but not available: {availability.Description}.");
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
