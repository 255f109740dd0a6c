using Mesh.Silo.Hosting;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Storage;

/// <summary>The silo opens its audit trail while it is built: a bad signing key stops it before it serves anything.</summary>
public sealed class AuditHostTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mesh-audit-host-").FullName;

    [Fact]
    public void A_silo_given_an_unusable_signing_key_refuses_to_start_and_names_the_file()
    {
        var key = Path.Combine(_root, "audit-key.pem");
        File.WriteAllText(key, "CHANGE-ME: openssl ecparam -name prime256v1 -genkey -noout");

        var error = Assert.Throws<MeshStartupException>(() => Build("--Mesh:Audit:SigningKeyFile", key));

        Assert.Contains("audit", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_embedded_silo_creates_its_signing_key_in_the_data_folder_readable_by_its_owner_only()
    {
        var host = Build();
        await host.DisposeAsync();

        var key = Path.Combine(_root, "data", "audit-signing-key.pem");
        Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", File.ReadAllText(key), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }

    [Fact]
    public void An_unknown_durability_is_refused_with_the_choices()
    {
        var error = Assert.Throws<MeshStartupException>(() => Build("--Mesh:Audit:Durability", "sometimes"));

        Assert.Contains("durable, async or off", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private Microsoft.AspNetCore.Builder.WebApplication Build(params string[] extra)
    {
        var ports = FreePorts.Take(3);
        return MeshSiloHost.Build(
            ["--data-dir", Path.Combine(_root, "data"), "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(),
             "--http-url", $"http://127.0.0.1:{ports[2]}", .. extra]);
    }
}
