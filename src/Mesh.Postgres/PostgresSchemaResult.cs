namespace Mesh.Postgres;

/// <summary>What <see cref="PostgresSchema.ApplyAsync"/> did with one script.</summary>
public enum PostgresScriptStatus
{
    /// <summary>Already applied with the same text: left alone.</summary>
    AlreadyApplied = 0,

    /// <summary>Not applied before: applied now and recorded.</summary>
    Applied,

    /// <summary>
    /// Applied before with a different text (its recorded SHA-256 differs): applied again, which the scripts are
    /// written to allow, and its record updated.
    /// </summary>
    Reapplied,

    /// <summary>
    /// Recorded as applied with the same text, but some of its tables, functions or queries were missing (dropped
    /// by hand, say): applied again.
    /// </summary>
    Repaired,
}

/// <summary>One script's outcome.</summary>
/// <param name="Version">The script's number (the prefix of its file name).</param>
/// <param name="Name">The script's file name without <c>.sql</c>, e.g. <c>002_orleans_clustering</c>.</param>
/// <param name="Sha256">The SHA-256 of its text as applied (line endings normalised to LF), lower-case hex.</param>
/// <param name="Status">What was done.</param>
public sealed record PostgresScriptOutcome(int Version, string Name, string Sha256, PostgresScriptStatus Status);

/// <summary>The outcome of <see cref="PostgresSchema.ApplyAsync"/>: every script, in order.</summary>
public sealed class PostgresSchemaResult
{
    /// <summary>Creates the result.</summary>
    public PostgresSchemaResult(string target, IReadOnlyList<PostgresScriptOutcome> scripts)
    {
        Target = target;
        Scripts = scripts;
    }

    /// <summary>The database, as <c>user@host:port/database</c>.</summary>
    public string Target { get; }

    /// <summary>Every script of the schema, in the order they apply.</summary>
    public IReadOnlyList<PostgresScriptOutcome> Scripts { get; }

    /// <summary>The scripts applied by this call (new, changed or repaired).</summary>
    public IReadOnlyList<PostgresScriptOutcome> Changed => [.. Scripts.Where(s => s.Status != PostgresScriptStatus.AlreadyApplied)];

    /// <summary>True when the database was already up to date and nothing was applied.</summary>
    public bool WasUpToDate => Scripts.All(s => s.Status == PostgresScriptStatus.AlreadyApplied);
}
