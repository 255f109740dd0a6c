using Mesh.Contracts.Keys;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>Builds grain keys from route values, refusing anything that is not a valid id (path traversal included).</summary>
internal static class RouteIds
{
    public static string Key(string tenant, string name, string what) =>
        MeshKey.IsValidTenant(tenant) && MeshKey.IsValidName(name) ? $"{tenant}/{name}" : throw ApiProblem.InvalidId(what, $"{tenant}/{name}");

    public static string Key(string id, string what) =>
        MeshKey.TryParse(id, out _, out _) ? id : throw ApiProblem.InvalidId(what, id);

    public static string Tenant(string tenant) =>
        MeshKey.IsValidTenant(tenant) ? tenant : throw ApiProblem.BadRequest("invalid_id", $"'{tenant}' is not a valid tenant id: 1-63 lower-case letters, digits or '-', starting with a letter.");

    /// <summary>The bearer token of a runtime call (an agent token), or empty.</summary>
    public static string BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : string.Empty;
    }
}
