using System.Globalization;
using System.Text.RegularExpressions;
using Mesh.Policy.Compilation;

namespace Mesh.Cli;

/// <summary>Reads the times options such as <c>--since</c> take: an ISO-8601 time, or a duration back from now (<c>15m</c>, <c>2h</c>, <c>7d</c>).</summary>
internal static partial class TimeArguments
{
    public const string Help = "an ISO-8601 time (2025-06-01T12:00:00Z; no offset means UTC) or a duration ago (15m, 2h, 7d)";

    public static DateTimeOffset Parse(string text, string option, DateTimeOffset now)
    {
        if (Durations.TryParse(text, out var ago))
        {
            return now - ago;
        }

        if (IsoTime().IsMatch(text.Trim())
            && DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        throw new UsageException($"{option} '{text}' is neither an ISO-8601 time (2025-06-01T12:00:00Z) nor a duration ago (15m, 2h, 7d; at most 366d).");
    }

    /// <summary>The form the HTTP API takes: UTC, microseconds, <c>Z</c> (no '+' to escape).</summary>
    public static string ToQuery(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}([.,]\d{1,7})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex IsoTime();
}
