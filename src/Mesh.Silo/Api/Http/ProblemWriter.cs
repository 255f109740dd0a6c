using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Silo.Api.Http;

/// <summary>Writes <c>application/problem+json</c> documents.</summary>
internal static class ProblemWriter
{
    public static Task WriteAsync(HttpContext context, int status, string code, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var problem = new ProblemDocument($"urn:mesh:error:{code}", ApiProblem.TitleFor(status), status, detail, code, context.Request.Path);
        return JsonSerializer.SerializeAsync(context.Response.Body, problem, ApiJson.Options, context.RequestAborted);
    }

    /// <summary>The RFC 9457 problem document, plus Mesh's stable <c>code</c>.</summary>
    internal sealed record ProblemDocument(
        [property: JsonPropertyName("type")] string Type,
        [property: JsonPropertyName("title")] string Title,
        [property: JsonPropertyName("status")] int Status,
        [property: JsonPropertyName("detail")] string Detail,
        [property: JsonPropertyName("code")] string Code,
        [property: JsonPropertyName("instance")] string Instance);
}
