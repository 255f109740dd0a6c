using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Cli.Http;

/// <summary>JSON settings for request bodies and printed output.</summary>
internal static class CliJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static JsonSerializerOptions Indented { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// Reading JSON the CLI did not write (recorded requests files, the mesh's answers and streams): bounded depth, so
    /// a hostile file is a clear error, never a deep recursion.
    /// </summary>
    public static JsonDocumentOptions Reading { get; } = new() { MaxDepth = 64 };
}
