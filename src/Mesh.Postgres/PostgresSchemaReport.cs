using System.Text;

namespace Mesh.Postgres;

/// <summary>A script recorded as applied with a different text than this version of Mesh carries.</summary>
/// <param name="Name">The script, e.g. <c>003_orleans_persistence</c>.</param>
/// <param name="ExpectedSha256">The SHA-256 of the script this Mesh carries.</param>
/// <param name="RecordedSha256">The SHA-256 recorded in <c>mesh_schema_version</c>.</param>
public sealed record PostgresChecksumMismatch(string Name, string ExpectedSha256, string RecordedSha256);

/// <summary>An <c>OrleansQuery</c> row that an Orleans provider needs and the database lacks.</summary>
/// <param name="Provider"><c>clustering</c>, <c>persistence</c> or <c>reminders</c>.</param>
/// <param name="Key">The query key, e.g. <c>WriteToStorageKey</c>.</param>
public sealed record PostgresMissingQuery(string Provider, string Key);

/// <summary>
/// The outcome of <see cref="PostgresSchema.CheckAsync"/>: whatever a cluster-mode silo needs and the database lacks.
/// Empty lists and <see cref="IsComplete"/> mean the database is ready.
/// </summary>
public sealed class PostgresSchemaReport
{
    /// <summary>Creates the report.</summary>
    public PostgresSchemaReport(
        string target,
        IReadOnlyList<string> missingScripts,
        IReadOnlyList<PostgresChecksumMismatch> changedScripts,
        IReadOnlyList<string> missingTables,
        IReadOnlyList<string> missingFunctions,
        IReadOnlyList<PostgresMissingQuery> missingQueries,
        IReadOnlyList<string> unknownScripts)
    {
        Target = target;
        MissingScripts = missingScripts;
        ChangedScripts = changedScripts;
        MissingTables = missingTables;
        MissingFunctions = missingFunctions;
        MissingQueries = missingQueries;
        UnknownScripts = unknownScripts;
    }

    /// <summary>The database, as <c>user@host:port/database</c>.</summary>
    public string Target { get; }

    /// <summary>Scripts with no row in <c>mesh_schema_version</c> (all of them when that table is missing).</summary>
    public IReadOnlyList<string> MissingScripts { get; }

    /// <summary>Scripts recorded with another SHA-256 than this Mesh's: <c>mesh db init</c> applies them again.</summary>
    public IReadOnlyList<PostgresChecksumMismatch> ChangedScripts { get; }

    /// <summary>Tables that do not exist (on the connection's search path).</summary>
    public IReadOnlyList<string> MissingTables { get; }

    /// <summary>Functions that do not exist (on the connection's search path).</summary>
    public IReadOnlyList<string> MissingFunctions { get; }

    /// <summary>Triggers that do not exist or are disabled (the audit tables' append-only guards).</summary>
    public IReadOnlyList<string> MissingTriggers { get; init; } = [];

    /// <summary>Orleans queries missing from <c>OrleansQuery</c> (all of them when that table is missing).</summary>
    public IReadOnlyList<PostgresMissingQuery> MissingQueries { get; }

    /// <summary>
    /// Scripts recorded in <c>mesh_schema_version</c> that this Mesh does not know, e.g. from a newer Mesh. Informative:
    /// they do not make the schema incomplete.
    /// </summary>
    public IReadOnlyList<string> UnknownScripts { get; }

    /// <summary>True when nothing is missing or changed: a cluster-mode silo can start on this database.</summary>
    public bool IsComplete =>
        MissingScripts.Count == 0 && ChangedScripts.Count == 0 && MissingTables.Count == 0 && MissingFunctions.Count == 0 && MissingTriggers.Count == 0 && MissingQueries.Count == 0;

    /// <summary>One paragraph for people: what is missing and what to run, or that the schema is complete.</summary>
    public string Summary
    {
        get
        {
            if (IsComplete)
            {
                return $"The Mesh schema on {Target} is complete.";
            }

            var text = new StringBuilder($"The Mesh schema on {Target} is incomplete:");
            Append(text, "scripts not applied", MissingScripts);
            Append(text, "scripts applied with a different text", [.. ChangedScripts.Select(c => c.Name)]);
            Append(text, "missing tables", MissingTables);
            Append(text, "missing functions", MissingFunctions);
            Append(text, "missing or disabled triggers", MissingTriggers);
            Append(text, "missing Orleans queries", [.. MissingQueries.Select(q => $"{q.Provider}/{q.Key}")]);
            text.Append(". Run `mesh db init --connection <connection string>` (or with MESH_DB_CONNECTION set) to apply the schema.");
            return text.ToString();
        }
    }

    private static void Append(StringBuilder text, string what, IReadOnlyList<string> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        if (text[^1] != ':')
        {
            text.Append(';');
        }

        text.Append(' ').Append(what).Append(" (").Append(items.Count).Append("): ");
        const int Shown = 6;
        text.AppendJoin(", ", items.Take(Shown));
        if (items.Count > Shown)
        {
            text.Append(", …");
        }
    }
}
