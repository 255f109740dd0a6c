using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.Cli.Output;

/// <summary>
/// JSON values as people read them in a table: nested objects as one <c>name.field</c> row per field (a receipt's
/// <c>receipt.complete</c>, a scope's <c>scopes[0].tools</c>), lists of plain values joined with commas, times as
/// ISO 8601 to the second in UTC, durations in milliseconds or seconds. Every text passes through <see cref="TerminalText.Reveal"/>.
/// </summary>
internal static partial class JsonFields
{
    /// <summary>Appends one (name, text) row per plain value inside <paramref name="value"/>, named by its path.</summary>
    public static void Flatten(string? name, JsonElement value, List<string[]> rows)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var any = false;
                foreach (var property in value.EnumerateObject())
                {
                    any = true;
                    var field = TerminalText.Reveal(property.Name);
                    Flatten(name is null ? field : name + "." + field, property.Value, rows);
                }

                if (!any && name is not null)
                {
                    rows.Add([name, string.Empty]);
                }

                break;
            case JsonValueKind.Array when value.EnumerateArray().Any(item => item.ValueKind is JsonValueKind.Object or JsonValueKind.Array):
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    Flatten($"{name}[{index++}]", item, rows);
                }

                break;
            default:
                rows.Add([name ?? "value", Text(value)]);
                break;
        }
    }

    /// <summary>One value as one cell's text; an object inside a list's cell as <c>field: value</c> pairs.</summary>
    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Undefined or JsonValueKind.Null => string.Empty,
        JsonValueKind.String => Time(value.GetString()!) ?? Duration(value.GetString()!) ?? TerminalText.Reveal(value.GetString()),
        JsonValueKind.Array => string.Join(", ", value.EnumerateArray().Select(Text)),
        JsonValueKind.Object => string.Join(", ", Pairs(value)),
        _ => TerminalText.Reveal(value.GetRawText()),
    };

    private static IEnumerable<string> Pairs(JsonElement value)
    {
        var rows = new List<string[]>();
        Flatten(null, value, rows);
        return rows.Select(row => $"{row[0]}: {row[1]}");
    }

    // Only a whole date and time with a zone reads as a time; any other text stays as it is.
    private static string? Time(string text) =>
        Timestamp().IsMatch(text) && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out var time)
            ? time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : null;

    // A duration as .NET writes it (00:00:00.0123456): in milliseconds or seconds, as people read one.
    private static string? Duration(string text) =>
        DurationText().IsMatch(text) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var duration)
            ? duration.TotalSeconds < 1 ? $"{duration.TotalMilliseconds.ToString("0.#", CultureInfo.InvariantCulture)} ms"
            : duration.TotalMinutes < 1 ? $"{duration.TotalSeconds.ToString("0.##", CultureInfo.InvariantCulture)} s"
            : duration.ToString(duration.TotalDays < 1 ? @"hh\:mm\:ss" : @"d\.hh\:mm\:ss", CultureInfo.InvariantCulture)
            : null;

    [GeneratedRegex(@"^(\d+\.)?\d{2}:\d{2}:\d{2}\.\d{7}$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationText();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?(Z|[+-]\d{2}:\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();
}
