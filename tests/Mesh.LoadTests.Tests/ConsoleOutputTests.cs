using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.LoadTests.Tests;

/// <summary>
/// <c>mesh-load</c> as a process, as a person runs it: what reaches standard output is the tool's own start line,
/// progress and results; the embedded silo's banner and log go to the silo log file.
/// </summary>
public sealed partial class ConsoleOutputTests
{
    private static readonly string Tool = Path.Combine(AppContext.BaseDirectory, "mesh-load.dll");

    [Fact]
    public async Task Standard_output_holds_only_the_tools_lines_and_the_silo_writes_to_its_log()
    {
        var folder = Directory.CreateTempSubdirectory("mesh-load-console-").FullName;
        try
        {
            var siloLog = Path.Combine(folder, "silos.log");
            var json = Path.Combine(folder, "out.json");
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = folder };
            foreach (var arg in new[] { Tool, "decide", "--embedded", "--agents", "20", "--concurrency", "4", "--warmup", "2.5", "--duration", "1.5", "--json", json, "--silo-log", siloLog })
            {
                start.ArgumentList.Add(arg);
            }

            // Makes the silo log at information level for certain ("Application started"): without the log file that
            // line would be on the console.
            start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
            var output = await stdout;
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await stderr}");

            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
            Assert.StartsWith("decide: embedded, 1 silo(s)", lines[0], StringComparison.Ordinal);
            Assert.All(lines, l => Assert.Matches(ToolLine(), l));
            Assert.DoesNotContain("Mesh ready", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Application started", output, StringComparison.Ordinal);

            // The warm-up is reported as a warm-up: no rate or latency before anything was measured.
            var warmUp = lines.Where(l => l.StartsWith("[decide] warming up", StringComparison.Ordinal)).ToArray();
            Assert.NotEmpty(warmUp);
            Assert.All(warmUp, l => Assert.DoesNotContain("ops/s", l, StringComparison.Ordinal));
            Assert.DoesNotContain(lines, l => l.Contains(" 0 ops/s", StringComparison.Ordinal) || l.Contains(" 0.000 ms", StringComparison.Ordinal));

            // The progress clock and the report both say 1.5 s measured, as configured.
            Assert.All(lines.Select(l => MeasuringClock().Match(l)).Where(m => m.Success), m => Assert.True(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) <= 1.5, m.Value));
            Assert.Contains(lines, l => l.Contains("1.5 s,", StringComparison.Ordinal) && l.Contains("ops,", StringComparison.Ordinal));
            var report = JsonDocument.Parse(await File.ReadAllTextAsync(json)).RootElement[0];
            Assert.Equal(1.5, report.GetProperty("duration_s").GetDouble());

            // What the silo printed and logged is in its log file.
            var log = await File.ReadAllTextAsync(siloLog);
            Assert.Contains("Mesh ready", log, StringComparison.Ordinal);
            // Logged once, by the tool's file logger (Mesh's console logger is removed, not merely redirected).
            Assert.Single(Regex.Matches(log, "Application started"));
            Assert.Contains("Information Microsoft.Hosting.Lifetime: Application started", log, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // The start line, progress lines, and the result table (its title and its box-drawn rows).
    [GeneratedRegex(@"^(decide: |\[decide\] (warming up|measuring|measured) |\s*decide\s*$|\s*[╭╰│├─┌└|+])")]
    private static partial Regex ToolLine();

    [GeneratedRegex(@"measuring (\d+\.\d)/")]
    private static partial Regex MeasuringClock();
}
