using System.Globalization;

namespace Mesh.Policy.Compilation;

/// <summary>Parses durations written as <c>500ms</c>, <c>30s</c>, <c>5m</c>, <c>2h</c>, <c>1d</c>.</summary>
public static class Durations
{
    /// <summary>Parses a duration; false for anything else (including zero or negative).</summary>
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        var unitStart = 0;
        while (unitStart < trimmed.Length && (char.IsAsciiDigit(trimmed[unitStart]) || trimmed[unitStart] == '.'))
        {
            unitStart++;
        }

        if (unitStart == 0 || !double.TryParse(trimmed.AsSpan(0, unitStart), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        var unit = trimmed[unitStart..];
        double? milliseconds = unit switch
        {
            "ms" => amount,
            "s" => amount * 1_000,
            "m" => amount * 60_000,
            "h" => amount * 3_600_000,
            "d" => amount * 86_400_000,
            _ => null,
        };
        if (milliseconds is not { } ms || ms <= 0 || ms > TimeSpan.FromDays(366).TotalMilliseconds)
        {
            return false;
        }

        duration = TimeSpan.FromMilliseconds(ms);
        return true;
    }
}
