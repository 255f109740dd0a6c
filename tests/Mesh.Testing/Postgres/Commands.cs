using System.Diagnostics;
using System.Text;

namespace Mesh.Testing.Postgres;

/// <summary>Runs the short-lived commands a throwaway server needs (initdb, pg_ctl, chown, pg_config).</summary>
internal static class Commands
{
    public sealed record Result(int ExitCode, string Output);

    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator).Append("/usr/sbin").Append("/sbin").Append("/usr/bin").Append("/bin"))
        {
            var candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs a command to the end, or kills it at the deadline; returns its exit code and output (stdout and stderr).</summary>
    public static Result Run(string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null) =>
        RunAsync(file, arguments, timeout, workingDirectory).GetAwaiter().GetResult();

    /// <inheritdoc cref="Run"/>
    public static async Task<Result> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // PostgreSQL's tools localise their messages; tests read them in English.
        start.Environment["LC_ALL"] = "C";
        using var process = new Process { StartInfo = start };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} did not finish within {timeout.TotalSeconds:0} s: {Text(output)}");
        }

        // The parameterless wait drains the redirected output.
        await process.WaitForExitAsync(CancellationToken.None);
        return new Result(process.ExitCode, Text(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
