using Mesh.Testing;
using Mesh.Testing.Postgres;
using Npgsql;

namespace Mesh.Postgres.Tests.Schema;

/// <summary>Connection failures come back as typed errors that name the server and never the password.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConnectionErrorTests(PostgresFixture postgres)
{
    private const string Secret = "Sw0rdfish-not-the-password";

    [PostgresFact]
    public async Task A_wrong_password_is_an_authentication_error_without_the_password()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        var wrong = new NpgsqlConnectionStringBuilder(db) { Password = Secret }.ConnectionString;

        var apply = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.ApplyAsync(wrong));
        var check = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.CheckAsync(wrong));

        foreach (var failure in new[] { apply, check })
        {
            Assert.Equal(PostgresSchemaError.AuthenticationFailed, failure.Error);
            Assert.Equal("28P01", failure.SqlState);
            Assert.Equal(PostgresSchema.DescribeTarget(db), failure.Target);
            Assert.Contains("refused user", failure.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(Secret, failure.ToString(), StringComparison.Ordinal);
        }
    }

    [PostgresFact]
    public async Task An_unreachable_port_is_a_connection_error_without_the_password()
    {
        var port = FreePorts.Take(1)[0];
        var nowhere = $"Host=127.0.0.1;Port={port};Database=mesh;Username=mesh;Password={Secret};Timeout=5";

        var apply = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.ApplyAsync(nowhere));
        var check = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.CheckAsync(nowhere));

        foreach (var failure in new[] { apply, check })
        {
            Assert.Equal(PostgresSchemaError.CannotConnect, failure.Error);
            Assert.Contains($"127.0.0.1:{port}", failure.Message, StringComparison.Ordinal);
            Assert.Equal($"mesh@127.0.0.1:{port}/mesh", failure.Target);
            Assert.DoesNotContain(Secret, failure.ToString(), StringComparison.Ordinal);
        }
    }

    [PostgresFact]
    public async Task A_missing_database_is_named()
    {
        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);
        var missing = new NpgsqlConnectionStringBuilder(db) { Database = "no_such_database" }.ConnectionString;

        var failure = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.CheckAsync(missing));

        Assert.Equal(PostgresSchemaError.DatabaseNotFound, failure.Error);
        Assert.Contains("Database 'no_such_database' does not exist", failure.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task A_user_without_create_rights_gets_a_permission_error()
    {
        if (!postgres.Server.CanRestart)
        {
            // MESH_TEST_POSTGRES need not let the tests create roles.
            return;
        }

        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);
        var role = "reader_" + Guid.NewGuid().ToString("N")[..8];
        await Sql.ExecuteAsync(postgres.Server.AdminConnectionString, $"CREATE ROLE {role} LOGIN PASSWORD '{Secret}'");
        var builder = new NpgsqlConnectionStringBuilder(db);
        await Sql.ExecuteAsync(db, $"REVOKE CREATE ON SCHEMA public FROM PUBLIC; GRANT CONNECT ON DATABASE \"{builder.Database}\" TO {role}");
        var reader = new NpgsqlConnectionStringBuilder(db) { Username = role, Password = Secret }.ConnectionString;

        var failure = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.ApplyAsync(reader));

        Assert.Equal(PostgresSchemaError.PermissionDenied, failure.Error);
        Assert.Contains(role, failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_connection_string_is_a_usage_error_that_does_not_echo_it()
    {
        var failure = await Assert.ThrowsAsync<PostgresSchemaException>(() => PostgresSchema.CheckAsync($"Host=x;Password={Secret};Porrt=5"));

        Assert.Equal(PostgresSchemaError.InvalidConnectionString, failure.Error);
        Assert.DoesNotContain(Secret, failure.ToString(), StringComparison.Ordinal);
        Assert.Equal(PostgresSchemaError.InvalidConnectionString, Assert.Throws<PostgresSchemaException>(() => PostgresSchema.DescribeTarget(" ")).Error);
    }
}
