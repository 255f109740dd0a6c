using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Storage;

/// <summary>Adds the embedded-mode reminder service to a silo.</summary>
public static class SqliteReminderExtensions
{
    /// <summary>
    /// Enables Orleans reminders with their table in the SQLite file at <paramref name="databasePath"/> (created if
    /// missing; it may be the grain-state file). Approvals use reminders for their deadlines and escalations.
    /// </summary>
    public static ISiloBuilder UseMeshSqliteReminders(this ISiloBuilder builder, string databasePath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        builder.AddReminders();
        builder.Services.AddSingleton<IReminderTable>(services =>
            new SqliteReminderTable(databasePath, services.GetRequiredService<ILogger<SqliteReminderTable>>()));
        return builder;
    }
}
