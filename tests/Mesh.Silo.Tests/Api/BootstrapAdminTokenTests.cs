using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Tokens;
using Mesh.Silo.Hosting;
using Mesh.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Tests.Api;

/// <summary>
/// <c>Mesh:BootstrapAdminTokenFile</c>: the operator's token becomes the first admin token of an empty cluster, a bad
/// one stops start-up with a message that says why (without quoting it), and a cluster with tokens ignores the file.
/// </summary>
public sealed class BootstrapAdminTokenTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "mesh-preset-" + Guid.NewGuid().ToString("N"));

    public BootstrapAdminTokenTests() => Directory.CreateDirectory(_root);

    private string DataDir => Path.Combine(_root, "data");

    [Fact]
    public async Task A_preset_token_is_the_first_admin_token_and_is_neither_written_nor_logged()
    {
        var (id, token, _) = ApiTokenFormat.Create();
        var preset = WritePreset(token + "\n");
        var before = await File.ReadAllBytesAsync(preset);
        var logs = new CapturedLogs();

        var (host, http) = await StartHostAsync(preset, logs);
        await using (host)
        {
            using var admin = Client(http, token);
            var created = await admin.PostAsJsonAsync("v1/tokens", new { name = "ops-bot", roles = new[] { "operator" } });
            var listed = await (await admin.GetAsync("v1/tokens")).Content.ReadFromJsonAsync<JsonElement>();
            await host.StopAsync();

            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var ids = listed.EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToList();
            Assert.Equal(2, ids.Count);
            Assert.Contains(id, ids);
        }

        Assert.False(File.Exists(Path.Combine(DataDir, "admin.token")));
        Assert.Equal(before, await File.ReadAllBytesAsync(preset));
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(token[(ApiTokenFormat.Prefix.Length + ApiTokenFormat.IdLength + 1)..], StringComparison.Ordinal));
    }

    public static TheoryData<string, string> MalformedPresets() => new()
    {
        { "", "it is empty" },
        { "mesh_at_0123456789ab." + Secret(), "does not start with mesh_ot_" },
        { "mesh_ot_0123456789AB." + Secret(), "lowercase hex" },
        { "mesh_ot_0123456789ab." + Secret()[..42], "lowercase hex" },
        { "mesh_ot_0123456789ab." + Secret() + "\nmesh_ot_ba9876543210." + Secret(), "more than one line" },
        { "mesh_ot_0123456789ab." + Secret()[..42] + "=", "base64url" },
        { "mesh_ot_0123456789ab." + Secret()[..42] + "B", "base64url" },
        { "mesh_ot_0123456789ab." + new string('A', 43), "repeats itself" },
        { "mesh_ot_0123456789ab." + string.Concat(Enumerable.Repeat("abcdefgh", 5)) + "abc", "repeats itself" },
    };

    [Theory]
    [MemberData(nameof(MalformedPresets))]
    public async Task A_malformed_preset_stops_start_up_and_says_why_without_quoting_it(string content, string reason)
    {
        var preset = WritePreset(content);
        var logs = new CapturedLogs();

        var error = await StartFailingAsync(preset, logs);

        Assert.Contains("Mesh cannot start", error.Message, StringComparison.Ordinal);
        Assert.Contains("Mesh:BootstrapAdminTokenFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(preset, error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("docs/DEPLOY.md", error.Message, StringComparison.Ordinal);
        foreach (var secret in content.Split('\n').Select(l => l.Split('.').Last()).Where(s => s.Length >= 8))
        {
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain(logs.Lines, line => line.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_missing_preset_file_stops_start_up_of_an_empty_cluster()
    {
        var missing = Path.Combine(_root, "no-such-file");

        var error = await StartFailingAsync(missing, new CapturedLogs());

        Assert.Contains("Mesh:BootstrapAdminTokenFile", error.Message, StringComparison.Ordinal);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cluster_that_has_tokens_ignores_the_preset_and_does_not_read_the_file()
    {
        string generated;
        await using (var first = await EmbeddedMesh.StartAsync(DataDir))
        {
            generated = first.AdminToken;
        }

        var (_, preset, _) = ApiTokenFormat.Create();
        await using (var second = await EmbeddedMesh.StartAsync(DataDir, "--Mesh:BootstrapAdminTokenFile", WritePreset(preset)))
        {
            using var withPreset = second.Http(preset);
            using var withGenerated = second.Http(generated);
            Assert.Equal(HttpStatusCode.Unauthorized, (await withPreset.GetAsync("v1/tokens")).StatusCode);
            var listed = await (await withGenerated.GetAsync("v1/tokens")).Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(1, listed.GetArrayLength());
            Assert.Equal(generated, second.AdminToken);
        }

        // Not even read: operators may drop the secret once the cluster is bootstrapped.
        await using var third = await EmbeddedMesh.StartAsync(DataDir, "--Mesh:BootstrapAdminTokenFile", Path.Combine(_root, "deleted"));
        using var stillGenerated = third.Http(generated);
        Assert.Equal(HttpStatusCode.OK, (await stillGenerated.GetAsync("v1/tokens")).StatusCode);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static string Secret() => ApiTokenFormat.Create().Token.Split('.')[1];

    private static HttpClient Client(Uri baseAddress, string token)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private string WritePreset(string content)
    {
        var path = Path.Combine(_root, "admin-token-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, content);
        return path;
    }

    /// <summary>The real silo host, as <see cref="EmbeddedMesh"/> starts it, with every log line captured.</summary>
    private async Task<(WebApplication Host, Uri Http)> StartHostAsync(string preset, CapturedLogs logs)
    {
        var host = Build(preset, logs, out var http);
        await host.StartAsync();
        return (host, http);
    }

    private async Task<MeshStartupException> StartFailingAsync(string preset, CapturedLogs logs)
    {
        var host = Build(preset, logs, out _);
        await using (host)
        {
            var error = await Assert.ThrowsAsync<MeshStartupException>(() => host.StartAsync());
            var registry = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IApiTokenRegistryGrain>(IApiTokenRegistryGrain.Key);
            Assert.False(await registry.HasTokens());
            Assert.False(File.Exists(Path.Combine(DataDir, "admin.token")));
            await host.StopAsync();
            return error;
        }
    }

    private WebApplication Build(string preset, CapturedLogs logs, out Uri http)
    {
        var ports = FreePorts.Take(3);
        http = new Uri($"http://127.0.0.1:{ports[2]}");
        return MeshSiloHost.Build(
            ["--data-dir", DataDir, "--silo-port", ports[0].ToString(), "--gateway-port", ports[1].ToString(), "--http-url", http.ToString(),
             "--Mesh:BootstrapAdminTokenFile", preset],
            silo => silo.Services.AddSingleton<ILoggerProvider>(logs));
    }

    private sealed class CapturedLogs : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(CapturedLogs owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner.Lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} {exception}");
        }
    }
}
