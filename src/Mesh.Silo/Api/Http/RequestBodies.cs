using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Api.Http;

/// <summary>Reads request bodies strictly: right content type, bounded size, well-formed, no unknown fields.</summary>
internal static class RequestBodies
{
    private static readonly string[] YamlTypes = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"];

    public static async Task<T> ReadJsonAsync<T>(HttpRequest request)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            throw new ApiProblem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.");
        }

        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, ApiJson.Options, request.HttpContext.RequestAborted)
                ?? throw ApiProblem.BadRequest("malformed_json", "The body is empty; send a JSON object.");
        }
        catch (JsonException ex)
        {
            var code = ex.Message.Contains("could not be mapped", StringComparison.Ordinal) ? "unknown_field" : "malformed_json";
            throw ApiProblem.BadRequest(code, ex.Message);
        }
    }

    /// <summary>An optional JSON body: an empty body gives null.</summary>
    public static async Task<T?> ReadOptionalJsonAsync<T>(HttpRequest request)
        where T : class =>
        request.ContentLength is 0 || (request.ContentLength is null && !request.HasJsonContentType())
            ? null
            : await ReadJsonAsync<T>(request);

    public static async Task<string> ReadYamlAsync(HttpRequest request)
    {
        var type = request.ContentType?.Split(';')[0].Trim();
        if (type is null || !YamlTypes.Contains(type, StringComparer.OrdinalIgnoreCase))
        {
            throw new ApiProblem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the policy as application/yaml (or text/yaml, text/plain).");
        }

        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        return await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
    }
}
