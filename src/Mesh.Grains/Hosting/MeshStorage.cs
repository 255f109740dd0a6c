namespace Mesh.Grains.Hosting;

/// <summary>Names shared by grains and hosts.</summary>
public static class MeshStorage
{
    /// <summary>The grain storage provider every Mesh grain uses; hosts register it (SQLite, PostgreSQL, memory).</summary>
    public const string ProviderName = "mesh";
}
