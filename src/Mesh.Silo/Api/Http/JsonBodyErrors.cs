using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Silo.Api.Http;

/// <summary>
/// Turns a failed read of a JSON request body into a problem a person can act on: the JSON path of the field and what
/// is wrong with it, in the API's own terms. The serializer's own messages name .NET types (internal to Mesh and
/// meaningless to a caller), so they are never passed on: the explanation is rebuilt from the body and the contract
/// of the body's type.
/// </summary>
internal static class JsonBodyErrors
{
    private const int MaxEchoedValue = 40;

    public static ApiProblem Describe(JsonException error, ReadOnlyMemory<byte> body, Type bodyType, JsonSerializerOptions options)
    {
        var path = string.IsNullOrEmpty(error.Path) ? "$" : error.Path;
        var segments = ParsePath(path);
        var (expected, parent, lastName) = Resolve(options.GetTypeInfo(bodyType), segments, options);
        if (expected is null && parent is not null)
        {
            // Known from the contract alone: the serializer stops at an unknown name before it reads the value.
            return ApiProblem.BadRequest("unknown_field", $"{path}: unknown field '{lastName}'; {FieldList(parent)}.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = options.MaxDepth });
        }
        catch (JsonException syntax)
        {
            return NotJson(syntax);
        }

        using (document)
        {
            if (expected is null)
            {
                return ApiProblem.BadRequest("malformed_json", $"{path}: this value is not part of the body.");
            }

            if (Navigate(document.RootElement, segments) is not { } element)
            {
                return ApiProblem.BadRequest("malformed_json", $"{path}: must be {Expect(expected, options)}.");
            }

            if (lastName is not null && Navigate(document.RootElement, segments[..^1]) is { ValueKind: JsonValueKind.Object } owner
                && Count(owner, lastName, options) > 1)
            {
                return ApiProblem.BadRequest("malformed_json", $"{path}: the field is given more than once; send each field once.");
            }

            if (expected.Kind == JsonTypeInfoKind.Object && element.ValueKind == JsonValueKind.Object)
            {
                var missing = expected.Properties.Where(p => p.IsRequired && Count(element, p.Name, options) == 0).Select(p => Join(path, p.Name)).ToArray();
                if (missing.Length > 0)
                {
                    return ApiProblem.BadRequest("malformed_json", missing.Length == 1
                        ? $"{missing[0]}: required field is missing."
                        : $"{string.Join(", ", missing)}: required fields are missing.");
                }
            }

            return element.ValueKind == JsonValueKind.Null
                ? ApiProblem.BadRequest("malformed_json", $"{path}: must not be null; send {Expect(expected, options)}.")
                : ApiProblem.BadRequest("malformed_json", $"{path}: must be {Expect(expected, options)}, not {Sent(element)}.");
        }
    }

    /// <summary>A JSON error met anywhere else: the path only, never the serializer's message.</summary>
    public static string Generic(JsonException error) =>
        $"{(string.IsNullOrEmpty(error.Path) ? "$" : error.Path)}: the body is not valid JSON for this request.";

    private static ApiProblem NotJson(JsonException syntax)
    {
        var reason = syntax.Message;
        foreach (var tail in new[] { " LineNumber:", " Path:" })
        {
            var cut = reason.IndexOf(tail, StringComparison.Ordinal);
            reason = cut >= 0 ? reason[..cut] : reason;
        }

        var where = syntax.LineNumber is { } line && syntax.BytePositionInLine is { } position
            ? $" at line {line + 1}, byte {position + 1}"
            : string.Empty;
        return ApiProblem.BadRequest("malformed_json", $"The body cannot be read as JSON{where}: {reason.Trim()}");
    }

    /// <summary>Path segments: property names (strings) and array indexes (ints).</summary>
    private static object[] ParsePath(string path)
    {
        var segments = new List<object>();
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 1)..end]);
                i = end;
            }
            else if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == '\'')
            {
                var end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                segments.Add(path[(i + 2)..end]);
                i = Math.Min(path.Length, end + 2);
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i + 1);
                end = end < 0 ? path.Length : end;
                segments.Add(int.TryParse(path.AsSpan(i + 1, end - i - 1), out var index) ? index : -1);
                i = Math.Min(path.Length, end + 1);
            }
            else
            {
                break;
            }
        }

        return [.. segments];
    }

    /// <summary>
    /// The contract at the end of the path; when the last name is no field of its object, null with that object (an
    /// unknown field).
    /// </summary>
    private static (JsonTypeInfo? Expected, JsonTypeInfo? Parent, string? LastName) Resolve(JsonTypeInfo root, object[] segments, JsonSerializerOptions options)
    {
        var current = root;
        string? lastName = null;
        foreach (var segment in segments)
        {
            lastName = segment as string;
            switch (current.Kind)
            {
                case JsonTypeInfoKind.Object when segment is string name:
                    var property = current.Properties.FirstOrDefault(p => string.Equals(p.Name, name, Comparison(options)));
                    if (property is null)
                    {
                        return (null, current, name);
                    }

                    current = options.GetTypeInfo(property.PropertyType);
                    break;
                case JsonTypeInfoKind.Enumerable when segment is int:
                case JsonTypeInfoKind.Dictionary when segment is string:
                    current = options.GetTypeInfo(current.ElementType!);
                    break;
                default:
                    return (null, null, lastName);
            }
        }

        return (current, null, lastName);
    }

    private static JsonElement? Navigate(JsonElement root, ReadOnlySpan<object> segments)
    {
        var current = root;
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case string name when current.ValueKind == JsonValueKind.Object && current.TryGetProperty(name, out var child):
                    current = child;
                    break;
                case int index when current.ValueKind == JsonValueKind.Array && index >= 0 && index < current.GetArrayLength():
                    current = current[index];
                    break;
                default:
                    return null;
            }
        }

        return current;
    }

    private static int Count(JsonElement obj, string name, JsonSerializerOptions options) =>
        obj.EnumerateObject().Count(p => string.Equals(p.Name, name, Comparison(options)));

    private static StringComparison Comparison(JsonSerializerOptions options) =>
        options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    private static string Join(string path, string name) => $"{path}.{name}";

    private static string FieldList(JsonTypeInfo type) =>
        type.Properties.Count == 0 ? "this object takes no fields" : "the fields here are " + string.Join(", ", type.Properties.Select(p => p.Name));

    private static string Expect(JsonTypeInfo type, JsonSerializerOptions options)
    {
        var clr = Nullable.GetUnderlyingType(type.Type) ?? type.Type;
        if (clr.IsEnum)
        {
            var names = Enum.GetValues(clr).Cast<object>().Select(v => JsonSerializer.Serialize(v, clr, options).Trim('"'));
            return "one of " + string.Join(", ", names);
        }

        return type.Kind switch
        {
            JsonTypeInfoKind.Object => "an object",
            JsonTypeInfoKind.Enumerable => "a list",
            JsonTypeInfoKind.Dictionary => "an object of names to values",
            _ when clr == typeof(string) => "a string",
            _ when clr == typeof(bool) => "true or false",
            _ when clr == typeof(int) || clr == typeof(long) || clr == typeof(short) => "a whole number",
            _ when clr == typeof(double) || clr == typeof(float) || clr == typeof(decimal) => "a number",
            _ when clr == typeof(DateTimeOffset) || clr == typeof(DateTime) => "an ISO 8601 time such as 2026-01-31T12:00:00Z",
            _ when clr == typeof(TimeSpan) => "a duration such as 00:00:20",
            _ => "a value of another kind",
        };
    }

    private static string Sent(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => $"the string {Quote(element.GetString()!)}",
        JsonValueKind.Number => $"the number {Shorten(element.GetRawText())}",
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => "null",
    };

    // The caller's own value, short and JSON-quoted, so a long or odd value cannot flood or bend the message.
    private static string Quote(string value) => JsonSerializer.Serialize(Shorten(value), ApiJson.Options);

    private static string Shorten(string value) => value.Length > MaxEchoedValue ? value[..MaxEchoedValue] + "…" : value;
}
