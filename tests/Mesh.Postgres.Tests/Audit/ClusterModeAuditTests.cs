using Mesh.Grains.Audit;
using Mesh.Silo.Hosting;
using Mesh.Silo.Storage;
using Mesh.Testing;
using Mesh.Testing.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Postgres.Tests.Audit;

/// <summary>The silo host in cluster mode writes its audit trail to PostgreSQL, not to a local file.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterModeAuditTests(PostgresFixture postgres)
{
    [PostgresFact]
    public async Task A_cluster_mode_silo_keeps_its_audit_trail_in_postgres()
    {
        var db = await postgres.Server.CreateDatabaseAsync();
        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-audit-" + Guid.NewGuid().ToString("N")[..12]);
        var ports = FreePorts.Take(3);
        try
        {
            var app = MeshSiloHost.Build(
            [
                "--mode", "cluster", "--connection", db, "--data-dir", dataDir,
                "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-url", $"http://127.0.0.1:{ports[2]}",
                "--advertised-address", "127.0.0.1", "--Mesh:ClusterSecret", new string('s', 32),
            ]);
            await using (app)
            {
                var store = app.Services.GetRequiredService<IAuditStore>();

                Assert.IsType<PostgresAuditStore>(store);
                await store.AppendAsync(AuditRows.Chain("t1/a", 1, 1), CancellationToken.None);
                Assert.Equal(1L, await Sql.ScalarAsync<long>(db, "SELECT count(*) FROM audit_records WHERE stream = 't1/a'"));
                Assert.False(File.Exists(Path.Combine(dataDir, "audit.db")));
            }
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
