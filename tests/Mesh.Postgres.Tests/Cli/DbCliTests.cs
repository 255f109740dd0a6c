using System.Diagnostics;
using System.Text.Json;
using Mesh.Testing.Postgres;
using Npgsql;

namespace Mesh.Postgres.Tests.Cli;

/// <summary><c>mesh db init|check</c> run as a real process, as an operator or a deploy script runs it.</summary>
[Collection(PostgresCollection.Name)]
public sealed class DbCliTests(PostgresFixture postgres)
{
    // The CLI from its own output folder: a copy in this test's folder would run on this project's dependency set,
    // where Npgsql's logging abstractions come from the ASP.NET shared framework that the CLI does not load.
    private static readonly string CliAssembly = FindCli();

    [PostgresFact]
    public async Task Check_fails_on_an_empty_database_init_applies_the_schema_and_check_then_passes()
    {
        var db = await postgres.Server.CreateDatabaseAsync(applySchema: false);

        var before = await MeshAsync(db, "db", "check");
        var init = await MeshAsync(db, "db", "init");
        var again = await MeshAsync(db, "db", "init", "--output", "json");
        var after = await MeshAsync(db, "db", "check", "-o", "json");

        Assert.Equal(1, before.Exit);
        Assert.Contains("incomplete", before.Out, StringComparison.Ordinal);
        Assert.Contains("WriteToStorageKey", before.Out, StringComparison.Ordinal);
        Assert.Contains("mesh db init", before.Out, StringComparison.Ordinal);

        Assert.Equal(0, init.Exit);
        Assert.Contains("002_orleans_clustering: applied", init.Out, StringComparison.Ordinal);
        Assert.Contains("Done: 6 of 6 scripts applied.", init.Out, StringComparison.Ordinal);

        Assert.Equal(0, again.Exit);
        var json = JsonDocument.Parse(again.Out).RootElement;
        Assert.True(json.GetProperty("upToDate").GetBoolean());
        Assert.All(json.GetProperty("scripts").EnumerateArray(), s => Assert.Equal("already_applied", s.GetProperty("status").GetString()));

        Assert.Equal(0, after.Exit);
        var report = JsonDocument.Parse(after.Out).RootElement;
        Assert.True(report.GetProperty("complete").GetBoolean());
        Assert.Equal(0, report.GetProperty("missingQueries").GetArrayLength());
        Assert.True((await PostgresSchema.CheckAsync(db)).IsComplete);
    }

    [PostgresFact]
    public async Task The_connection_comes_from_the_option_before_the_variable_and_bad_credentials_exit_3_without_the_password()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        const string secret = "Not-The-Password-7731";
        var wrong = new NpgsqlConnectionStringBuilder(db) { Password = secret }.ConnectionString;

        var refused = await MeshAsync(db, "db", "check", "--connection", wrong);
        var fromVariable = await MeshAsync(db, "db", "check");
        var none = await MeshAsync(null, "db", "check");

        Assert.Equal(3, refused.Exit);
        Assert.Contains("authentication failed", refused.Err, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, refused.Out + refused.Err, StringComparison.Ordinal);
        Assert.Equal(0, fromVariable.Exit);
        Assert.Contains("Complete", fromVariable.Out, StringComparison.Ordinal);
        Assert.Equal(2, none.Exit);
        Assert.Contains("MESH_DB_CONNECTION", none.Err, StringComparison.Ordinal);
    }

    private static string FindCli()
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var cli = Path.Combine(dir.FullName, "src", "Mesh.Cli", "bin", configuration, "net10.0", "mesh.dll");
            if (File.Exists(cli))
            {
                return cli;
            }
        }

        throw new FileNotFoundException($"mesh.dll ({configuration}) not found above {AppContext.BaseDirectory}: build src/Mesh.Cli.");
    }

    // The db commands talk to PostgreSQL only: MESH_URL is garbage and there is no token, and they do not mind.
    private static async Task<(int Exit, string Out, string Err)> MeshAsync(string? connection, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MESH_URL"] = "not a url";
        start.Environment.Remove("MESH_TOKEN");
        if (connection is null)
        {
            start.Environment.Remove("MESH_DB_CONNECTION");
        }
        else
        {
            start.Environment["MESH_DB_CONNECTION"] = connection;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout, await stderr);
    }
}
