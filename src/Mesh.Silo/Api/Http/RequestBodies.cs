using System.Text;
using System.Text.Json;

namespace Mesh.Silo.Api.Http;

/// <summary>Reads request bodies strictly: right content type, bounded size, well-formed, no unknown fields.</summary>
internal static class RequestBodies
{
    private static readonly string[] YamlTypes = ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain"];

    public static async Task<T> ReadJsonAsync<T>(HttpRequest request)
        where T : class =>
        await ReadAsync<T>(request, optional: false) ?? throw ApiProblem.BadRequest("malformed_json", "The body is empty; send a JSON object.");

    private static async Task<T?> ReadAsync<T>(HttpRequest request, bool optional)
        where T : class
    {
        if (!request.HasJsonContentType())
        {
            throw new ApiProblem(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type", "Send the body as application/json.");
        }

        // Read whole (Kestrel bounds it at ApiLimits.MaxBodyBytes) so that a refusal can point at the field in it.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        if (body.IsEmpty)
        {
            return optional ? null : throw ApiProblem.BadRequest("malformed_json", "The body is empty; send a JSON object.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, ApiJson.RequestOptions)
                ?? throw ApiProblem.BadRequest("malformed_json", "$: the body is null; send a JSON object.");
        }
        catch (JsonException ex)
        {
            throw JsonBodyErrors.Describe(ex, body, typeof(T), ApiJson.RequestOptions);
        }
    }

    /// <summary>An optional JSON body: an empty body gives null.</summary>
    public static async Task<T?> ReadOptionalJsonAsync<T>(HttpRequest request)
        where T : class =>
        request.ContentLength is 0 || (request.ContentLength is null && !request.HasJsonContentType())
            ? null
            : await ReadAsync<T>(request, optional: true);

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
