namespace Mesh.Postgres.Tests;

/// <summary>Unique grain keys, so tests sharing a cluster never see each other's grains.</summary>
internal static class Keys
{
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
