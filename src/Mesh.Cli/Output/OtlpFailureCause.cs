using System.Diagnostics.Tracing;
using System.Text.RegularExpressions;

namespace Mesh.Cli.Output;

/// <summary>
/// The first reason the OpenTelemetry OTLP exporter gave for a failed export ("Connection refused (127.0.0.1:4318)",
/// a status code, a timeout). The exporter reports a failure to its caller only as a result and says why only on its
/// EventSource, so this listens there; the CLI prints the cause once instead of a count of failures alone.
/// </summary>
internal sealed partial class OtlpFailureCause : EventListener
{
    private const string ExporterSource = "OpenTelemetry-Exporter-OpenTelemetryProtocol";
    private string? _first;

    /// <summary>The first cause reported, in one line; null when the exporter reported none.</summary>
    public string? First => Volatile.Read(ref _first);

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Runs from the base constructor too, before this object's fields are set: touch none of them here.
        if (eventSource.Name == ExporterSource)
        {
            EnableEvents(eventSource, EventLevel.Error);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.EventSource.Name != ExporterSource || eventData.Level > EventLevel.Error || First is not null)
        {
            return;
        }

        var texts = eventData.Payload?.OfType<string>().ToArray() ?? [];
        var exception = texts.FirstOrDefault(text => text.Contains("Exception", StringComparison.Ordinal));
        var cause = exception is not null ? OneLine(exception)
            : eventData.Message is { } message ? string.Format(System.Globalization.CultureInfo.InvariantCulture, message, [.. eventData.Payload ?? []])
            : null;
        if (cause is not null)
        {
            Interlocked.CompareExchange(ref _first, cause, null);
        }
    }

    /// <summary>An exception's text as one line: its first message, without the type name or the stack.</summary>
    internal static string OneLine(string exception)
    {
        var first = exception.Split('\n', 2)[0].Trim();
        var match = TypePrefix().Match(first);
        return match.Success ? match.Groups["message"].Value : first;
    }

    [GeneratedRegex(@"^[\w.`]+(Exception|Error)(\s*\(\d+\))?:\s*(?<message>.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex TypePrefix();
}
