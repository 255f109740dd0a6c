namespace Mesh.Postgres;

/// <summary>
/// What a complete schema holds: the tables, functions and <c>OrleansQuery</c> rows that <c>deploy/sql</c> creates
/// and that Mesh's silos need. A test keeps this list and the scripts in step.
/// </summary>
internal static class SchemaCatalog
{
    /// <summary>The table that records applied scripts.</summary>
    public const string VersionTable = "mesh_schema_version";

    /// <summary>The table Orleans reads its SQL from (unquoted in every script, so stored in lower case).</summary>
    public const string QueryTable = "orleansquery";

    /// <summary>
    /// The version table as script 005 declares it. <c>mesh db init</c> creates it before script 001 so that it can
    /// record every script.
    /// </summary>
    public const string VersionTableDdl = """
        CREATE TABLE IF NOT EXISTS mesh_schema_version
        (
            version    integer     NOT NULL,
            name       text        NOT NULL,
            sha256     text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT mesh_schema_version_pk PRIMARY KEY (version)
        );
        """;

    /// <summary>Tables, by their names in <c>pg_class</c>, and the script that creates each.</summary>
    public static IReadOnlyList<(string Name, int Script)> Tables { get; } =
    [
        (QueryTable, 1),
        ("orleans_membership_version", 2),
        ("orleans_membership", 2),
        ("orleans_storage", 3),
        ("orleans_reminders", 4),
        (VersionTable, 5),
        ("audit_records", 6),
        ("audit_checkpoints", 6),
    ];

    /// <summary>Functions the Orleans queries and the audit tables' append-only triggers call, and the script that creates each.</summary>
    public static IReadOnlyList<(string Name, int Script)> Functions { get; } =
    [
        ("mesh_orleans_insert_member", 2),
        ("mesh_orleans_update_member", 2),
        ("mesh_audit_append_only", 6),
    ];

    /// <summary>
    /// Triggers that must exist and be enabled, and the script that creates each: the audit tables' append-only guards.
    /// A disabled one counts as missing (disabling it is the first step of editing the trail).
    /// </summary>
    public static IReadOnlyList<(string Name, int Script)> Triggers { get; } =
    [
        ("audit_records_append_only", 6),
        ("audit_checkpoints_append_only", 6),
    ];

    /// <summary>
    /// The <c>OrleansQuery</c> keys, per Orleans ADO.NET provider. Orleans 10.4 requires all of them except
    /// <c>CleanupDefunctSiloEntryKey</c>, which it prefers when present, and <c>DeleteStorageKey</c>, which it needs
    /// only for <c>DeleteStateOnClear</c> (Mesh's setting); a Mesh schema has them all.
    /// </summary>
    public static IReadOnlyList<(string Provider, string Key)> QueryKeys { get; } =
    [
        ("clustering", "InsertMembershipVersionKey"),
        ("clustering", "InsertMembershipKey"),
        ("clustering", "UpdateMembershipKey"),
        ("clustering", "UpdateIAmAlivetimeKey"),
        ("clustering", "MembershipReadRowKey"),
        ("clustering", "MembershipReadAllKey"),
        ("clustering", "GatewaysQueryKey"),
        ("clustering", "DeleteMembershipTableEntriesKey"),
        ("clustering", "CleanupDefunctSiloEntriesKey"),
        ("clustering", "CleanupDefunctSiloEntryKey"),
        ("persistence", "ReadFromStorageKey"),
        ("persistence", "WriteToStorageKey"),
        ("persistence", "ClearStorageKey"),
        ("persistence", "DeleteStorageKey"),
        ("reminders", "ReadReminderRowsKey"),
        ("reminders", "ReadReminderRowKey"),
        ("reminders", "ReadRangeRows1Key"),
        ("reminders", "ReadRangeRows2Key"),
        ("reminders", "UpsertReminderRowKey"),
        ("reminders", "DeleteReminderRowKey"),
        ("reminders", "DeleteReminderRowsKey"),
    ];

    /// <summary>The script that inserts a provider's queries.</summary>
    public static int ScriptOf(string provider) => provider switch
    {
        "clustering" => 2,
        "persistence" => 3,
        "reminders" => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown provider."),
    };

    /// <summary>The scripts that create what a report says is missing: applying them again repairs the schema.</summary>
    public static HashSet<int> ScriptsToRepair(PostgresSchemaReport report)
    {
        var scripts = new HashSet<int>();
        scripts.UnionWith(Tables.Where(t => report.MissingTables.Contains(t.Name)).Select(t => t.Script));
        scripts.UnionWith(Functions.Where(f => report.MissingFunctions.Contains(f.Name)).Select(f => f.Script));
        scripts.UnionWith(Triggers.Where(t => report.MissingTriggers.Contains(t.Name)).Select(t => t.Script));
        scripts.UnionWith(report.MissingQueries.Select(q => ScriptOf(q.Provider)));
        return scripts;
    }
}
