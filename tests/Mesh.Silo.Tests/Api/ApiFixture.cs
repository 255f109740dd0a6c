using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Api;

/// <summary>
/// One real embedded silo serving the HTTP API on loopback, with an API token per role. Authentication throttling is
/// raised so the authorization matrix can send many bad tokens; the throttle has its own test.
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public EmbeddedMesh Mesh { get; private set; } = null!;

    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        Mesh = await EmbeddedMesh.StartAsync(null, "--Mesh:FreeAuthFailures", "100000");
        Tokens["admin"] = Mesh.AdminToken;
        using var admin = Mesh.Http(Mesh.AdminToken);
        foreach (var role in new[] { "operator", "approver", "auditor" })
        {
            var response = await admin.PostAsJsonAsync("v1/tokens", new { name = $"{role}-user", roles = new[] { role }, groups = new[] { "finance" } });
            response.EnsureSuccessStatusCode();
            Tokens[role] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }
    }

    public HttpClient As(string role) => Mesh.Http(Tokens[role]);

    public async Task DisposeAsync() => await Mesh.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
