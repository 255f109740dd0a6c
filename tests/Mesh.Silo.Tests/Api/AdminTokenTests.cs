using System.Net;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Api;

public sealed class AdminTokenTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_first_start_writes_an_owner_only_admin_token_that_works_and_a_restart_keeps_it()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "mesh-admin-" + Guid.NewGuid().ToString("N"));
        try
        {
            string token;
            await using (var first = await EmbeddedMesh.StartAsync(dataDir))
            {
                var file = Path.Combine(dataDir, "admin.token");
                token = first.AdminToken;

                Assert.StartsWith("mesh_ot_", token, StringComparison.Ordinal);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
                using var admin = first.Http(token);
                Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("v1/tokens")).StatusCode);
            }

            await using var second = await EmbeddedMesh.StartAsync(dataDir);
            Assert.Equal(token, second.AdminToken);
            using var again = second.Http(token);
            Assert.Equal(HttpStatusCode.OK, (await again.GetAsync("v1/tokens")).StatusCode);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
