using System.CommandLine;
using System.Text.Json;
using Mesh.Cli.Output;
using Mesh.Postgres;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>mesh db init|check</c>: the PostgreSQL schema of cluster mode. These talk to the database itself, not to a silo,
/// so they need neither <c>--url</c> nor a token.
/// </summary>
internal static class DbCommands
{
    private const string ConnectionVariable = "MESH_DB_CONNECTION";

    public static Command Create()
    {
        var db = new Command("db", """
            Prepare and check the PostgreSQL database of cluster mode (clustering, grain state, reminders, audit).
            Talks to the database directly: no --url or --token needed.
            """);
        db.Subcommands.Add(Init());
        db.Subcommands.Add(Check());
        return db;
    }

    private static Option<string?> ConnectionOption() => new("--connection")
    {
        Description = $"""
            Npgsql connection string, e.g. "Host=db;Port=5432;Database=mesh;Username=mesh;Password=…" (default: ${ConnectionVariable}).
            Prefer the variable: other users of the machine can see a command line.
            """,
    };

    private static Command Init()
    {
        var connection = ConnectionOption();
        var command = new Command("init", $"""
            Apply Mesh's schema to a PostgreSQL database: the tables and queries of Orleans' clustering, grain state and
            reminders, and Mesh's own tables (the scripts of deploy/sql, in order, each in one transaction).
            Idempotent: run it on every deploy. Scripts already applied are skipped; one changed by a newer Mesh, or
            whose tables or queries were dropped, is applied again; runs started at once take turns.
            The database must exist; the user needs CREATE on it.
            Exit codes: 0 done, 1 a script failed or a privilege is missing, 2 usage error,
            3 cannot reach the database (down, wrong password, no such database, --timeout passed).

            Examples:
              export {ConnectionVariable}="Host=db.internal;Database=mesh;Username=mesh;Password=$(cat /run/secrets/pg)"
              mesh db init
              mesh db init --output json
              mesh db init --connection "Host=127.0.0.1;Port=5432;Database=mesh;Username=mesh;Password=secret"
            """)
        {
            connection,
        };
        command.SetAction(Run(connection, async run =>
        {
            run.Out.Note($"Applying the Mesh schema to [bold]{Markup.Escape(PostgresSchema.DescribeTarget(run.ConnectionString))}[/]");
            var progress = run.Out.Json ? null : new Lines(line => CliContext.Console.MarkupLine($"  {Markup.Escape(line)}"));
            var result = await PostgresSchema.ApplyAsync(run.ConnectionString, progress, run.CancellationToken);
            if (run.Out.Json)
            {
                run.Out.Object(JsonSerializer.SerializeToElement(
                    new
                    {
                        target = result.Target,
                        upToDate = result.WasUpToDate,
                        scripts = result.Scripts.Select(s => new { version = s.Version, name = s.Name, sha256 = s.Sha256, status = Status(s.Status) }),
                    },
                    CliJson.Options));
            }
            else
            {
                run.Out.Note(result.WasUpToDate
                    ? $"[green]Up to date:[/] all {result.Scripts.Count} scripts were already applied."
                    : $"[green]Done:[/] {result.Changed.Count} of {result.Scripts.Count} scripts applied.");
            }

            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Check()
    {
        var connection = ConnectionOption();
        var command = new Command("check", $"""
            Check that a PostgreSQL database holds everything a cluster-mode silo needs: every script of deploy/sql
            applied (and unchanged), their tables and functions, and every query Orleans' providers read. Changes nothing.
            Prints what is missing. Exit codes: 0 complete, 1 incomplete (run `mesh db init`), 2 usage error,
            3 cannot reach the database.

            Examples:
              mesh db check
              mesh db check --connection "Host=127.0.0.1;Port=5432;Database=mesh;Username=mesh;Password=secret" -o json
            """)
        {
            connection,
        };
        command.SetAction(Run(connection, async run =>
        {
            var report = await PostgresSchema.CheckAsync(run.ConnectionString, run.CancellationToken);
            if (run.Out.Json)
            {
                run.Out.Object(JsonSerializer.SerializeToElement(
                    new
                    {
                        target = report.Target,
                        complete = report.IsComplete,
                        missingScripts = report.MissingScripts,
                        changedScripts = report.ChangedScripts.Select(c => new { name = c.Name, expectedSha256 = c.ExpectedSha256, recordedSha256 = c.RecordedSha256 }),
                        missingTables = report.MissingTables,
                        missingFunctions = report.MissingFunctions,
                        missingQueries = report.MissingQueries.Select(q => new { provider = q.Provider, key = q.Key }),
                        unknownScripts = report.UnknownScripts,
                    },
                    CliJson.Options));
            }
            else
            {
                Print(report);
            }

            return report.IsComplete ? ExitCodes.Success : ExitCodes.Refused;
        }));
        return command;
    }

    private static void Print(PostgresSchemaReport report)
    {
        var console = CliContext.Console;
        if (report.IsComplete)
        {
            console.MarkupLine($"[green]Complete:[/] {Markup.Escape(report.Target)} has the whole Mesh schema.");
        }
        else
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumn("missing").AddColumn("name");
            table.Title($"{Markup.Escape(report.Target)}: schema incomplete");
            foreach (var script in report.MissingScripts)
            {
                table.AddRow("script not applied", Markup.Escape(script));
            }

            foreach (var changed in report.ChangedScripts)
            {
                table.AddRow("script changed", Markup.Escape($"{changed.Name} (applied {changed.RecordedSha256[..12]}…, this Mesh has {changed.ExpectedSha256[..12]}…)"));
            }

            foreach (var name in report.MissingTables)
            {
                table.AddRow("table", Markup.Escape(name));
            }

            foreach (var name in report.MissingFunctions)
            {
                table.AddRow("function", Markup.Escape(name));
            }

            foreach (var query in report.MissingQueries)
            {
                table.AddRow($"Orleans query ({query.Provider})", Markup.Escape(query.Key));
            }

            console.Write(table);
            console.MarkupLine("[yellow]Run `mesh db init` (same connection) to apply the schema.[/]");
        }

        if (report.UnknownScripts.Count > 0)
        {
            console.MarkupLine($"[grey]Also recorded, unknown to this Mesh (a newer one applied them): {Markup.Escape(string.Join(", ", report.UnknownScripts))}[/]");
        }
    }

    private static string Status(PostgresScriptStatus status) => status switch
    {
        PostgresScriptStatus.Applied => "applied",
        PostgresScriptStatus.Reapplied => "reapplied",
        PostgresScriptStatus.Repaired => "repaired",
        _ => "already_applied",
    };

    /// <summary>Runs a command body with the connection string, mapping failures to messages and exit codes.</summary>
    private static Func<ParseResult, CancellationToken, Task<int>> Run(Option<string?> connection, Func<DbInvocation, Task<int>> body) =>
        async (parse, cancellationToken) =>
        {
            var connectionString = parse.GetValue(connection) ?? Environment.GetEnvironmentVariable(ConnectionVariable);
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                CliContext.Error.MarkupLine($"[red]error:[/] No database: pass --connection or set {ConnectionVariable} (an Npgsql connection string).");
                return ExitCodes.Usage;
            }

            var seconds = parse.GetValue(CliContext.Timeout);
            if (seconds is <= 0 or > 3600)
            {
                CliContext.Error.MarkupLine("[red]error:[/] --timeout must be between 0 and 3600 seconds.");
                return ExitCodes.Usage;
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(seconds));
            var renderer = new Renderer(parse.GetValue(CliContext.OutputFormat) == "json", CliContext.Console);
            try
            {
                return await body(new DbInvocation(connectionString, renderer, deadline.Token));
            }
            catch (PostgresSchemaException ex)
            {
                CliContext.Error.MarkupLine($"[red]{Label(ex.Error)}:[/] {Markup.Escape(ex.Message)}");
                return ex.Error switch
                {
                    PostgresSchemaError.InvalidConnectionString => ExitCodes.Usage,
                    PostgresSchemaError.CannotConnect or PostgresSchemaError.AuthenticationFailed or PostgresSchemaError.DatabaseNotFound => ExitCodes.Unreachable,
                    _ => ExitCodes.Refused,
                };
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                CliContext.Error.MarkupLine($"[red]unreachable:[/] not done within {seconds:0.#} s (--timeout): the database did not answer, or another `mesh db init` held it that long.");
                return ExitCodes.Unreachable;
            }
        };

    private static string Label(PostgresSchemaError error) => error switch
    {
        PostgresSchemaError.InvalidConnectionString => "error",
        PostgresSchemaError.CannotConnect => "unreachable",
        PostgresSchemaError.AuthenticationFailed => "authentication failed",
        PostgresSchemaError.DatabaseNotFound => "no such database",
        PostgresSchemaError.PermissionDenied => "permission denied",
        PostgresSchemaError.ScriptFailed => "script failed",
        _ => "failed",
    };

    /// <summary>What a db command body needs.</summary>
    private sealed record DbInvocation(string ConnectionString, Renderer Out, CancellationToken CancellationToken);

    /// <summary>Prints progress lines as they come, in order (<see cref="Progress{T}"/> would post them to the thread pool).</summary>
    private sealed class Lines(Action<string> write) : IProgress<string>
    {
        public void Report(string value) => write(value);
    }
}
