using System.Text.Json;
using Mesh.Contracts.Errors;

namespace Mesh.Silo.Api.Http;

/// <summary>
/// Turns every failure of an API request into a problem document with a stable code. Unexpected exceptions become
/// a 500 whose body says nothing about internals.
/// </summary>
internal sealed partial class ProblemMiddleware(RequestDelegate next, ILogger<ProblemMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception ex) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            var problem = ex switch
            {
                ApiProblem p => p,
                MeshException mesh => ApiProblem.From(mesh),
                BadHttpRequestException { StatusCode: 413 } => new ApiProblem(413, "payload_too_large", $"The body is larger than {ApiLimits.MaxBodyBytes} bytes."),
                BadHttpRequestException bad => new ApiProblem(bad.StatusCode, "bad_request", bad.Message),
                JsonException json => ApiProblem.BadRequest("malformed_json", JsonBodyErrors.Generic(json)),
                _ => null,
            };

            if (problem is null)
            {
                LogErrorUnhandled(logger, ex, context.Request.Method, context.Request.Path);
                problem = new ApiProblem(500, "internal_error", "Mesh failed to handle the request; the silo log has the details.");
            }

            await ProblemWriter.WriteAsync(context, problem.Status, problem.Code, problem.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogErrorUnhandled(ILogger logger, Exception exception, string method, string path);
}
