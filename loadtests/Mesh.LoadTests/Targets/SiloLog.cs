using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Mesh.LoadTests.Targets;

/// <summary>
/// The embedded silos' log file: their log messages (Orleans' watchdog, Mesh's warnings) and, when the tool owns the
/// process console, whatever they print to it (the start-up banner). Keeping them here leaves the tool's standard
/// output to its own progress and results. Counts the warnings and errors so the tool can point at the file at the end.
/// </summary>
internal sealed class SiloLog : ILoggerProvider
{
    private readonly StreamWriter _file;
    private long _warnings;

    public SiloLog(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _file = new StreamWriter(new FileStream(Path, FileMode.Create, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
        Writer = TextWriter.Synchronized(_file);
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Writes to the file; safe from any thread.</summary>
    public TextWriter Writer { get; }

    /// <summary>Log messages at warning level or above so far.</summary>
    public long Warnings => Interlocked.Read(ref _warnings);

    /// <summary>A file in the temporary folder, unique to this run.</summary>
    public static string DefaultPath() => System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mesh-load-silos-{Guid.NewGuid().ToString("N")[..12]}.log");

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose() => Writer.Dispose();

    private void Write(LogLevel level, string category, string message, Exception? exception, bool falseAlarm)
    {
        if (level >= LogLevel.Warning && !falseAlarm)
        {
            Interlocked.Increment(ref _warnings);
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {category}: {message}{(falseAlarm ? " (false alarm: longer than this process has run; not counted)" : "")}");
        Writer.WriteLine(exception is null ? line : line + Environment.NewLine + exception);
    }

    // The host's logging filters (Mesh's defaults, the tool's --Logging settings) already chose what reaches a logger.
    private sealed class FileLogger(SiloLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Write(logLevel, category, formatter(state, exception), exception, IsStartupWatchdogFalseAlarm(category, state));
            }
        }
    }

    /// <summary>
    /// Orleans' watchdog can check its participant thread before that thread first ran, and then reports a stall as
    /// long as the machine's uptime ("Participant check thread has not completed for 03:02:26"). A stall longer than
    /// this process has existed cannot have happened, so it does not count as a warning.
    /// </summary>
    internal static bool IsStartupWatchdogFalseAlarm<TState>(string category, TState state)
    {
        if (category != "Orleans.Runtime.Watchdog" || state is not IReadOnlyList<KeyValuePair<string, object?>> fields)
        {
            return false;
        }

        var stall = fields.Where(f => f.Key == "TimeSinceLastTick").Select(f => f.Value).OfType<TimeSpan>().FirstOrDefault();
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return stall > DateTime.Now - process.StartTime;
    }
}
