namespace Mesh.Silo.Api.Http;

/// <summary>Size limits of the HTTP API.</summary>
internal static class ApiLimits
{
    /// <summary>Largest request body (a policy document is the largest legitimate body).</summary>
    public const long MaxBodyBytes = 1_100_000;
}
