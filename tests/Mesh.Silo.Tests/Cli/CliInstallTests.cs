using System.Diagnostics;

namespace Mesh.Silo.Tests.Cli;

/// <summary>
/// The README's one command that installs the <c>mesh</c> tool from a clone (<c>src/Mesh.Cli/install.sh</c>), into a
/// private tool folder: the installed <c>mesh</c> runs, and running the command again replaces it without an error.
/// </summary>
public sealed class CliInstallTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private readonly string _toolPath = Path.Combine(Path.GetTempPath(), "mesh-tool-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task The_install_script_installs_a_mesh_that_runs_and_a_second_run_replaces_it()
    {
        var script = Path.Combine(Repository(), "src", "Mesh.Cli", "install.sh");

        foreach (var run in new[] { "first install", "second install" })
        {
            var (exit, output) = await RunAsync("bash", [script, "--tool-path", _toolPath]);
            Assert.True(exit == 0, $"{run} failed ({exit}):\n{output}");
            Assert.Contains("successfully installed", output, StringComparison.Ordinal);
            Assert.DoesNotContain("missing a readme", output, StringComparison.OrdinalIgnoreCase);

            var (helpExit, help) = await RunAsync(Path.Combine(_toolPath, "mesh"), ["--help"]);
            Assert.True(helpExit == 0, $"mesh --help after the {run} failed ({helpExit}):\n{help}");
            Assert.Contains("mesh: operate a Mesh governance mesh", help, StringComparison.Ordinal);
            Assert.Contains("policy", help, StringComparison.Ordinal);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_toolPath))
        {
            Directory.Delete(_toolPath, recursive: true);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        // The test host runs under MSBuild's and the test platform's variables; a newcomer's shell has none of them.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(Timeout);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Repository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Mesh.sln not found above " + AppContext.BaseDirectory);
    }
}
