using System.Globalization;

namespace Mesh.Silo.Api.Http;

/// <summary>
/// Strict reading of query parameters: unknown names and repeated values are refused (400) rather than ignored, so a
/// typo never silently widens a search or a list.
/// </summary>
internal static class QueryParameters
{
    /// <summary>Refuses (400) any query parameter not in <paramref name="allowed"/>.</summary>
    public static void RefuseUnknown(HttpRequest request, string[] allowed)
    {
        foreach (var key in request.Query.Keys)
        {
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                throw Invalid(allowed.Length == 0
                    ? $"Unknown query parameter '{key}': this endpoint takes none."
                    : $"Unknown query parameter '{key}'; use {string.Join(", ", allowed)} (names are case-sensitive).");
            }
        }
    }

    /// <summary>A single-valued parameter; absent or empty is null, given twice is refused.</summary>
    public static string? Single(HttpRequest request, string name)
    {
        var values = request.Query[name];
        if (values.Count > 1)
        {
            throw Invalid($"{name} is given {values.Count} times; give it once.");
        }

        return string.IsNullOrEmpty(values.ToString()) ? null : values.ToString();
    }

    /// <summary>The <c>limit</c> parameter: a whole number from 1 to <paramref name="max"/>, else <paramref name="fallback"/>.</summary>
    public static int Limit(HttpRequest request, int max, int fallback) => Single(request, "limit") is { } text
        ? int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) && parsed >= 1 && parsed <= max
            ? parsed
            : throw Invalid($"limit '{text}' must be a whole number from 1 to {max}.")
        : fallback;

    /// <summary>A 400 <c>invalid_argument</c> problem.</summary>
    public static ApiProblem Invalid(string detail) => ApiProblem.BadRequest("invalid_argument", detail);
}
