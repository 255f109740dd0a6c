using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Hosting;

/// <summary>
/// An embedded silo as its own process (<see cref="SiloProcess"/>) with its HTTP API on loopback and a private data
/// folder: for tests whose input could take the process down (a stack overflow cannot be caught, and would end the
/// test host with it) and tests that look at the files it writes.
/// </summary>
internal sealed class HttpSiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private HttpSiloProcess(SiloProcess process, string dataDir, Uri http)
    {
        Process = process;
        DataDir = dataDir;
        Http = http;
    }

    public SiloProcess Process { get; }

    public string DataDir { get; }

    public Uri Http { get; }

    public string AdminToken => File.ReadAllText(Path.Combine(DataDir, "admin.token")).Trim();

    /// <summary>
    /// Starts the silo and waits until it serves: in <paramref name="dataDir"/>, or in a new data folder that the silo
    /// creates itself. The folder is deleted on dispose. <paramref name="environment"/> adds to (or overrides) the
    /// defaults: warnings and errors logged only, and no throttling of failed authentications.
    /// </summary>
    public static async Task<HttpSiloProcess> StartAsync(string? dataDir = null, Dictionary<string, string>? environment = null)
    {
        dataDir ??= Path.Combine(Path.GetTempPath(), "mesh-proc-" + Guid.NewGuid().ToString("N"));
        var ports = FreePorts.Take(3);
        var http = new Uri($"http://127.0.0.1:{ports[2]}/");
        var variables = new Dictionary<string, string>
        {
            ["Logging__LogLevel__Default"] = "Warning",

            // Agent tokens on runtime routes must not throttle the operator calls of the same test.
            ["Mesh__FreeAuthFailures"] = "1000000",
        };
        foreach (var (key, value) in environment ?? [])
        {
            variables[key] = value;
        }

        var process = new SiloProcess(
            ["--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-url", http.ToString().TrimEnd('/'), "--data-dir", dataDir],
            variables);
        var silo = new HttpSiloProcess(process, dataDir, http);
        try
        {
            await process.WaitForOutputAsync("Mesh ready", StartTimeout);
            using var probe = new HttpClient { BaseAddress = http, Timeout = TimeSpan.FromSeconds(10) };
            await Poll.UntilAsync(
                async () =>
                {
                    using var response = await probe.GetAsync("readyz");
                    return response.IsSuccessStatusCode;
                },
                StartTimeout,
                "/readyz of the silo process");
            await Poll.UntilAsync(() => File.Exists(Path.Combine(dataDir, "admin.token")), StartTimeout, "the first admin token");
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>An HTTP client with <paramref name="token"/> as its bearer token (none: anonymous).</summary>
    public HttpClient Client(string? token)
    {
        var client = new HttpClient { BaseAddress = Http, Timeout = TimeSpan.FromSeconds(60) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>Creates an API token with one role and returns it.</summary>
    public async Task<string> TokenAsync(string role)
    {
        using var admin = Client(AdminToken);
        using var response = await admin.PostAsJsonAsync("v1/tokens", new { name = $"{role}-{Guid.NewGuid():N}", roles = new[] { role }, groups = new[] { "ops" } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Publishes <paramref name="policy"/> for <paramref name="tenant"/>, registers agent <c>tenant/bot</c> and returns its token.</summary>
    public async Task<string> AgentAsync(string tenant, string policy)
    {
        using var admin = Client(AdminToken);
        (await admin.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, System.Text.Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        using var registered = await admin.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/bot", roles = new[] { "deployer" } });
        registered.EnsureSuccessStatusCode();
        return (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Asks for a decision as <c>tenant/bot</c>; the effect the silo answered.</summary>
    public async Task<string> DecideAsync(string tenant, string agentToken, string requestId)
    {
        using var agent = Client(agentToken);
        using var response = await agent.PostAsJsonAsync("v1/decide", new { requestId, agentId = $"{tenant}/bot", tool = "git", operation = "push", target = "github.com/acme/app" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("effect").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        Process.Dispose();
        await Task.CompletedTask;
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}
