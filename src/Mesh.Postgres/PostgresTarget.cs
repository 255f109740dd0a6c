using System.Globalization;
using System.Net.Sockets;
using Npgsql;

namespace Mesh.Postgres;

/// <summary>
/// A parsed connection string: opens connections and turns Npgsql's failures into <see cref="PostgresSchemaException"/>
/// with messages that name the server but never the password.
/// </summary>
internal sealed class PostgresTarget
{
    private readonly string _connectionString;
    private readonly string? _password;

    private PostgresTarget(NpgsqlConnectionStringBuilder builder)
    {
        _connectionString = builder.ConnectionString;
        _password = builder.Password;
        User = builder.Username ?? Environment.UserName;
        Database = builder.Database ?? User;
        Endpoint = $"{builder.Host ?? "localhost"}:{builder.Port.ToString(CultureInfo.InvariantCulture)}";
        Display = $"{User}@{Endpoint}/{Database}";
    }

    public string User { get; }

    public string Database { get; }

    public string Endpoint { get; }

    /// <summary><c>user@host:port/database</c>.</summary>
    public string Display { get; }

    public static PostgresTarget Parse(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new PostgresSchemaException(PostgresSchemaError.InvalidConnectionString, "No PostgreSQL connection string was given.", "");
        }

        try
        {
            return new PostgresTarget(new NpgsqlConnectionStringBuilder(connectionString));
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            // Npgsql's message may quote part of the string; drop it rather than risk echoing a password.
            throw new PostgresSchemaException(
                PostgresSchemaError.InvalidConnectionString,
                "The PostgreSQL connection string is not valid. Expected the Npgsql form, e.g. Host=db;Port=5432;Database=mesh;Username=mesh;Password=…",
                "");
        }
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception ex) when (IsDatabaseFailure(ex, cancellationToken))
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw Translate(ex);
        }
    }

    /// <summary>True for failures to translate: database and network errors, not the caller's own cancellation.</summary>
    public static bool IsDatabaseFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is NpgsqlException or SocketException or IOException or TimeoutException
        || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    /// <summary>The exception to throw for a failure while talking to the server.</summary>
    /// <param name="ex">What Npgsql (or the network) threw.</param>
    /// <param name="connected">True once the connection was open: a network failure then means the server went away or stopped answering.</param>
    public PostgresSchemaException Translate(Exception ex, bool connected = false)
    {
        if (ex is PostgresException pg)
        {
            return pg.SqlState switch
            {
                "28P01" or "28000" => Fail(
                    PostgresSchemaError.AuthenticationFailed,
                    $"PostgreSQL at {Endpoint} refused user '{User}': {pg.MessageText}. Check the user name and password in the connection string.",
                    pg),
                "3D000" => Fail(
                    PostgresSchemaError.DatabaseNotFound,
                    $"Database '{Database}' does not exist on PostgreSQL at {Endpoint}. Create it first (CREATE DATABASE, or createdb), then run `mesh db init`.",
                    pg),
                "42501" => Fail(
                    PostgresSchemaError.PermissionDenied,
                    $"User '{User}' lacks a privilege on {Display}: {pg.MessageText}. Use the database's owner (or grant CREATE on its schema).",
                    pg),
                "57P01" or "57P02" or "57P03" or "53300" => Fail(
                    PostgresSchemaError.CannotConnect,
                    $"PostgreSQL at {Endpoint} is not accepting connections: {pg.MessageText}.",
                    pg),
                _ when pg.SqlState.StartsWith("08", StringComparison.Ordinal) => Fail(
                    PostgresSchemaError.CannotConnect,
                    $"Lost the connection to PostgreSQL at {Endpoint}: {pg.MessageText}.",
                    pg),
                _ => Fail(PostgresSchemaError.Failed, $"PostgreSQL ({Display}) failed: {pg.SqlState}: {pg.MessageText}", pg),
            };
        }

        if (ex is NpgsqlException npgsql && npgsql.Message.Contains("password", StringComparison.OrdinalIgnoreCase) && npgsql.InnerException is null)
        {
            // "No password has been provided but the backend requires one".
            return Fail(PostgresSchemaError.AuthenticationFailed, $"PostgreSQL at {Endpoint} wants a password for user '{User}': {npgsql.Message}", npgsql);
        }

        var network = ex is NpgsqlException { InnerException: SocketException or IOException or TimeoutException }
            || ex is SocketException or IOException or TimeoutException or OperationCanceledException
            || ex is NpgsqlException { IsTransient: true };
        if (network)
        {
            return Fail(
                PostgresSchemaError.CannotConnect,
                connected
                    ? $"PostgreSQL at {Endpoint} went away or stopped answering (the connection string's Command Timeout bounds each statement): {Innermost(ex).Message}."
                    : $"Cannot connect to PostgreSQL at {Endpoint}: {Innermost(ex).Message}. Is the server running and listening there?",
                ex);
        }

        return Fail(PostgresSchemaError.Failed, $"PostgreSQL ({Display}) failed: {Innermost(ex).Message}", ex);
    }

    public PostgresSchemaException ScriptFailed(string script, PostgresException pg) =>
        pg.SqlState == "42501"
            ? Fail(
                PostgresSchemaError.PermissionDenied,
                $"Script {script} needs a privilege user '{User}' lacks on {Display}: {pg.MessageText}. Run `mesh db init` as the database's owner (or grant CREATE on its schema).",
                pg)
            : Fail(
                PostgresSchemaError.ScriptFailed,
                $"Script {script} failed on {Display} and was rolled back: {pg.SqlState}: {pg.MessageText}{(pg.Where is { Length: > 0 } where ? $" ({where})" : "")}",
                pg);

    public PostgresSchemaException Fail(PostgresSchemaError error, string message, Exception? inner) =>
        new(error, Scrub(message), Display, (inner as PostgresException)?.SqlState, inner);

    // Belt and braces: our messages are built from host, port, user and database, and PostgreSQL's never quote a
    // password, but a password that is also, say, the user name must not come back through either.
    private string Scrub(string message) =>
        _password is { Length: >= 4 } password ? message.Replace(password, "***", StringComparison.Ordinal) : message;

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex;
    }
}
