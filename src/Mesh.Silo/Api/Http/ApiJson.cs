using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Silo.Api.Http;

/// <summary>JSON conventions of the HTTP API: camelCase, snake_case enum names, strict about unknown fields.</summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>
    /// For reading request bodies: as <see cref="Options"/>, and stricter, since one body must have one reading: a field
    /// given twice (in any letter case) is refused rather than the last one silently winning, and null is refused
    /// where the body's contract does not allow it.
    /// </summary>
    public static JsonSerializerOptions RequestOptions { get; } = new(Options)
    {
        AllowDuplicateProperties = false,
        RespectNullableAnnotations = true,
    };

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MaxDepth = 16;
        options.TypeInfoResolver = (options.TypeInfoResolver ?? new DefaultJsonTypeInfoResolver()).WithAddedModifier(DecisionJson.Shape);

        // API responses are JSON, never HTML: no need to escape '+', quotes or non-ASCII text.
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
