using Mesh.Postgres;

namespace Mesh.Silo.Hosting;

/// <summary>
/// Refuses to start a cluster-mode silo on a database that <c>mesh db init</c> has not prepared, or cannot reach,
/// with a message that says which and what to do (never the password).
/// </summary>
internal static class ClusterSchemaCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    public static void EnsureComplete(string connectionString)
    {
        PostgresSchemaReport report;
        try
        {
            using var timeout = new CancellationTokenSource(Timeout);
            report = PostgresSchema.CheckAsync(connectionString, timeout.Token).GetAwaiter().GetResult();
        }
        catch (PostgresSchemaException ex)
        {
            throw new MeshStartupException("Mesh cannot start in cluster mode: " + ex.Message, ex);
        }
        catch (OperationCanceledException ex)
        {
            throw new MeshStartupException($"Mesh cannot start in cluster mode: PostgreSQL ({PostgresSchema.DescribeTarget(connectionString)}) did not answer within {Timeout.TotalSeconds:0} s.", ex);
        }

        if (!report.IsComplete)
        {
            throw new MeshStartupException("Mesh cannot start in cluster mode. " + report.Summary);
        }
    }
}
