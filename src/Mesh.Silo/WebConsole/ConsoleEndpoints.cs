using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Mesh.Silo.WebConsole;

/// <summary>
/// Serves the web console (<c>/console/</c>): a few static files embedded in this assembly, so every silo serves the
/// same console with no external assets and nothing to deploy beside the binary. The files are read once at start and
/// answered from memory with a strong ETag. The page may only load its own files and call its own origin (CSP).
/// </summary>
internal static class ConsoleEndpoints
{
    /// <summary>Where the console lives.</summary>
    public const string Path = "/console/";

    private const string ResourcePrefix = "console/";

    // Nothing but this origin: no inline script or style, no frames, no plugins, no other hosts.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static void Map(WebApplication app)
    {
        var assets = Load(typeof(ConsoleEndpoints).Assembly);
        app.MapGet("/", () => Results.Redirect(Path)).ExcludeFromDescription();

        // One route for "/console" and everything under it (routing ignores a trailing slash); the page's relative
        // links need the slash, so "/console" redirects to "/console/".
        app.MapGet("/console/{**file}", (string? file, HttpContext context) =>
                !context.Request.Path.Value!.EndsWith('/') && string.IsNullOrEmpty(file)
                    ? Results.Redirect(Path)
                    : Serve(assets, string.IsNullOrEmpty(file) ? "index.html" : file, context))
            .ExcludeFromDescription();
    }

    private static IResult Serve(FrozenDictionary<string, Asset> assets, string file, HttpContext context)
    {
        if (!assets.TryGetValue(file, out var asset))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not Found", detail: $"The console has no file '{file}'.");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()";

        // Revalidate every time (a silo upgrade changes the files), but a 304 costs a few bytes.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load(Assembly assembly)
    {
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var file = name[ResourcePrefix.Length..].Replace('\\', '/');
            var type = ContentTypes.GetValueOrDefault(System.IO.Path.GetExtension(file))
                ?? throw new InvalidOperationException($"The console file '{file}' has no known content type; add its extension to ConsoleEndpoints.");
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var etag = new EntityTagHeaderValue($"\"{Convert.ToBase64String(SHA256.HashData(content).AsSpan(0, 12)).Replace('+', '-').Replace('/', '_')}\"").ToString();
            assets[file] = new Asset(content, type, etag);
        }

        return assets.Count == 0
            ? throw new InvalidOperationException("The console files are missing from the silo assembly (embedded resources under console/).")
            : assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
