using Mesh.Testing;

namespace Mesh.Silo.Tests.Hosting;

/// <summary>
/// What a silo prints when it starts, first and again on the same data folder: a line at once (so redirected output
/// shows progress before the slow part), then the console URL and where the admin token is, on every start.
/// </summary>
public sealed class StartBannerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "mesh-banner-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Every_start_prints_the_console_url_and_where_the_admin_token_is()
    {
        var tokenFile = Path.Combine(_dataDir, "admin.token");
        foreach (var start in new[] { "first start", "restart" })
        {
            var ports = FreePorts.Take(3);
            var http = $"http://127.0.0.1:{ports[2]}";
            using var silo = new SiloProcess(
                ["--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-url", http, "--data-dir", _dataDir],
                new() { ["Logging__LogLevel__Default"] = "Warning" });

            await silo.WaitForOutputAsync("Mesh ready", Timeout);
            var lines = silo.Output.Split('\n', StringSplitOptions.TrimEntries);
            Assert.Equal("Mesh starting...", lines[0]);
            Assert.Contains(lines, line => line.StartsWith("Mesh console:", StringComparison.Ordinal) && line.Contains($"{http}/console/", StringComparison.Ordinal));
            Assert.True(
                lines.Any(line => line.StartsWith("Mesh admin token:", StringComparison.Ordinal) && line.Contains(tokenFile, StringComparison.Ordinal)),
                $"{start}: no line says where the admin token is:\n{silo.Output}");
            Assert.True(File.Exists(tokenFile), start);

            silo.Interrupt();
            Assert.Equal(0, await silo.WaitForExitAsync(Timeout));
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}
