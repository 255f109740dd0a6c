using System.Diagnostics;

namespace Mesh.Testing;

/// <summary>The real <c>mesh</c> CLI as a process, pointed at a silo's HTTP API with a token.</summary>
public static class MeshCli
{
    private static readonly string CliAssembly = FindCli();

    /// <summary>Runs the CLI to its end; returns its exit code and what it printed.</summary>
    public static Task<(int Exit, string Out, string Err)> RunAsync(Uri silo, string token, params string[] args) =>
        RunAsync(silo, token, new Dictionary<string, string>(), args);

    /// <summary>Runs the CLI to its end with extra environment variables (<c>COLUMNS</c>, say).</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(Uri silo, string token, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(silo, token, environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts the CLI and leaves it running (for <c>mesh audit tail</c>); the caller reads and stops it.</summary>
    public static Process Start(Uri silo, string token, params string[] args) => Start(silo, token, new Dictionary<string, string>(), args);

    /// <summary>Starts the CLI with extra environment variables and leaves it running.</summary>
    public static Process Start(Uri silo, string token, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, StandardOutputEncoding = System.Text.Encoding.UTF8 };
        start.ArgumentList.Add(CliAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["MESH_URL"] = silo.ToString();
        start.Environment["MESH_TOKEN"] = token;
        start.Environment.Remove("MESH_AGENT_TOKEN");
        // COLUMNS too: what the CLI prints must not depend on the shell the tests run from.
        foreach (var name in new[] { "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT", "COLUMNS" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return Process.Start(start)!;
    }

    // The CLI runs from its own build output. In this test folder it would miss the packages it brings that ASP.NET
    // has as a shared framework (Microsoft.Extensions.Logging, which OpenTelemetry needs): the silo's framework
    // provides them to the tests, so they are not copied here, but mesh.dll runs on the plain .NET runtime.
    private static string FindCli()
    {
        var tfm = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory));
        var configuration = tfm.Parent!;
        for (var dir = configuration.Parent; dir is not null; dir = dir.Parent)
        {
            var own = Path.Combine(dir.FullName, "src", "Mesh.Cli", "bin", configuration.Name, tfm.Name, "mesh.dll");
            if (File.Exists(own))
            {
                return own;
            }
        }

        return Path.Combine(AppContext.BaseDirectory, "mesh.dll");
    }
}
