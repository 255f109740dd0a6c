using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Mesh.Client.Tests;

/// <summary>A logger factory that keeps every line, for tests that assert on what the SDK logged.</summary>
internal sealed class CapturedLogs : ILoggerFactory
{
    private readonly ConcurrentQueue<CapturedLine> _lines = new();

    /// <summary>Every line so far, oldest first.</summary>
    public IReadOnlyList<CapturedLine> Lines => [.. _lines];

    /// <summary>The lines the SDK itself wrote (not its Orleans client), at <paramref name="level"/>.</summary>
    public IReadOnlyList<string> FromSdk(LogLevel level) =>
        [.. _lines.Where(l => l.Category == typeof(MeshGate).FullName && l.Level == level).Select(l => l.Message)];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    /// <summary>Everything captured, for failure messages.</summary>
    public override string ToString() => string.Join('\n', _lines.Select(l => $"{l.Level} {l.Category}: {l.Message}"));

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._lines.Enqueue(new CapturedLine(category, logLevel, formatter(state, exception)));
    }
}

/// <summary>One captured log line.</summary>
internal sealed record CapturedLine(string Category, LogLevel Level, string Message);
