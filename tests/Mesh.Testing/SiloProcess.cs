using System.Diagnostics;
using System.Text;
using Xunit;

namespace Mesh.Testing;

/// <summary>
/// A Mesh silo as a separate operating-system process, started the way an operator starts it
/// (<c>dotnet Mesh.Silo.dll …</c>), with its output captured for the test to wait on.
/// </summary>
public sealed class SiloProcess : IDisposable
{
    /// <summary>The silo assembly next to the test assembly (the test projects reference Mesh.Silo).</summary>
    public static readonly string SiloAssembly = Path.Combine(AppContext.BaseDirectory, "Mesh.Silo.dll");

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly object _lock = new();

    /// <summary>Starts the silo with <paramref name="args"/> and extra environment variables.</summary>
    public SiloProcess(IEnumerable<string> args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(SiloAssembly);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Everything the process printed so far (standard output and error).</summary>
    public string Output
    {
        get
        {
            lock (_lock)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The operating-system process id.</summary>
    public int Id => _process.Id;

    /// <summary>Waits until the process prints <paramref name="text"/>; fails with its output if it exits first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        await Poll.UntilAsync(() => Output.Contains(text, StringComparison.Ordinal) || _process.HasExited, timeout, $"'{text}' from the silo");
        Assert.True(Output.Contains(text, StringComparison.Ordinal), "The silo exited early:\n" + Output);
    }

    /// <summary>Sends SIGINT, as Ctrl+C does (.NET has no API for it, so the kill command sends it).</summary>
    public void Interrupt() => Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();

    /// <summary>Waits for the process to end and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Kills the process at once (SIGKILL, like <c>kill -9</c>): no shutdown code runs.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lock)
        {
            _output.AppendLine(line);
        }
    }
}
