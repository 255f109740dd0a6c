namespace Mesh.Postgres;

/// <summary>What went wrong when applying or checking the schema; callers switch on it.</summary>
public enum PostgresSchemaError
{
    /// <summary>Any other database error (see the message).</summary>
    Failed = 0,

    /// <summary>The connection string cannot be parsed.</summary>
    InvalidConnectionString,

    /// <summary>No PostgreSQL server answered at the host and port (refused, unreachable, timed out, shutting down).</summary>
    CannotConnect,

    /// <summary>The server refused the user name or password.</summary>
    AuthenticationFailed,

    /// <summary>The database named in the connection string does not exist.</summary>
    DatabaseNotFound,

    /// <summary>The user may not create or read the schema's objects.</summary>
    PermissionDenied,

    /// <summary>A schema script failed; nothing of that script was kept.</summary>
    ScriptFailed,
}

/// <summary>
/// Applying or checking the schema failed. <see cref="Error"/> says how; the message says what to do about it and
/// names the server as <c>user@host:port/database</c>. Messages never contain the password.
/// </summary>
public sealed class PostgresSchemaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PostgresSchemaException(PostgresSchemaError error, string message, string target, string? sqlState = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Error = error;
        Target = target;
        SqlState = sqlState;
    }

    /// <summary>Creates the exception with no details (for serializers).</summary>
    public PostgresSchemaException()
        : base("The PostgreSQL schema operation failed.")
    {
        Target = "";
    }

    /// <summary>Creates the exception with a message.</summary>
    public PostgresSchemaException(string message)
        : base(message)
    {
        Target = "";
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public PostgresSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
        Target = "";
    }

    /// <summary>How it failed.</summary>
    public PostgresSchemaError Error { get; }

    /// <summary>The server and database, as <c>user@host:port/database</c> (no password).</summary>
    public string Target { get; }

    /// <summary>PostgreSQL's error code (SQLSTATE) when the server reported the error, e.g. <c>28P01</c>.</summary>
    public string? SqlState { get; }
}
