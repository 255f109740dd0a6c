using Microsoft.Extensions.Logging;

namespace Mesh.Client.Connection;

/// <summary>
/// The SDK's logger when the application gives it no <see cref="ILoggerFactory"/>: it writes the first warning (an
/// unreachable gateway, typically) as one line to standard error and nothing after it. A runtime that never set up
/// logging still learns once which gateway the SDK could not reach, without a library filling its terminal; every
/// fail-closed deny carries the same facts in its message.
/// </summary>
internal sealed class FirstWarningToStandardError(TextWriter output) : ILogger
{
    private int _written;

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning && Volatile.Read(ref _written) == 0;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel) || Interlocked.Exchange(ref _written, 1) != 0)
        {
            return;
        }

        output.WriteLine(
            $"warn: Mesh.Client: {formatter(state, exception)}. (The Mesh SDK writes only this line to standard error: pass an ILoggerFactory to MeshGate.Create for all its reports, or NullLoggerFactory.Instance for none.)");
        output.Flush();
    }
}
