using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Mesh.Silo.Api.Http;

/// <summary>
/// Documents an endpoint's request body in the OpenAPI document without constraining routing. (ASP.NET's
/// <c>Accepts</c> metadata also filters requests by content type, which would turn a wrong content type into a
/// routing miss instead of the API's own 415 problem document.)
/// </summary>
internal sealed record RequestBodyDoc(Type Type, string ContentType);

internal static class RequestBodyDocs
{
    public static RouteHandlerBuilder WithRequestBody<T>(this RouteHandlerBuilder builder, string contentType) =>
        builder.WithMetadata(new RequestBodyDoc(typeof(T), contentType));

    public static void AddTransformer(OpenApiOptions options) =>
        options.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var doc = context.Description.ActionDescriptor.EndpointMetadata.OfType<RequestBodyDoc>().FirstOrDefault();
            if (doc is null)
            {
                return;
            }

            var schema = await context.GetOrCreateSchemaAsync(doc.Type, null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [doc.ContentType] = new() { Schema = schema } },
            };
        });
}
