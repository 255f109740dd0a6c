using System.Net;
using System.Net.Sockets;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Hosting;

/// <summary>
/// A silo process whose silo, gateway or HTTP port another program holds: one line that names the port, what it is
/// for and the switch, exit code 2, no stack trace, and no data folder left behind; an existing folder is untouched.
/// </summary>
public sealed class PortInUseTests : IDisposable
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(90);

    private readonly string _root = Path.Combine(Path.GetTempPath(), "mesh-ports-" + Guid.NewGuid().ToString("N"));

    public PortInUseTests() => Directory.CreateDirectory(_root);

    public static TheoryData<string, string, string> Ports() => new()
    {
        { "silo", "--silo-port", "silo port" },
        { "gateway", "--gateway-port", "gateway port" },
        { "http", "--http-url", "HTTP API" },
    };

    [Theory]
    [MemberData(nameof(Ports))]
    public async Task A_port_in_use_stops_the_start_with_one_line_naming_it_and_creates_no_data_folder(string taken, string @switch, string purpose)
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var busy = ((IPEndPoint)holder.LocalEndpoint).Port;
        var dataDir = Path.Combine(_root, "new", "data");

        using var silo = Start(taken, busy, dataDir);

        Assert.Equal(2, await silo.WaitForExitAsync(ExitTimeout));
        var lines = Lines(silo.Output);
        Assert.Equal("Mesh starting...", lines[0]);
        var error = Assert.Single(lines.Skip(1));
        Assert.StartsWith("Mesh cannot start: ", error, StringComparison.Ordinal);
        Assert.Contains($"port {busy} ", error, StringComparison.Ordinal);
        Assert.Contains(purpose, error, StringComparison.Ordinal);
        Assert.Contains(@switch, error, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", silo.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "new")), "The failed start left a data folder behind:\n" + silo.Output);
    }

    [Fact]
    public async Task A_port_in_use_leaves_an_existing_data_folder_exactly_as_it_was()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var dataDir = Path.Combine(_root, "data");
        Directory.CreateDirectory(dataDir);
        var mine = Path.Combine(dataDir, "notes.txt");
        await File.WriteAllTextAsync(mine, "the user's own file");

        using var silo = Start("gateway", ((IPEndPoint)holder.LocalEndpoint).Port, dataDir);

        Assert.Equal(2, await silo.WaitForExitAsync(ExitTimeout));
        Assert.Equal([mine], Directory.GetFileSystemEntries(dataDir));
        Assert.Equal("the user's own file", await File.ReadAllTextAsync(mine));
    }

    [Fact]
    public async Task A_start_that_fails_after_creating_the_data_folder_removes_it_but_never_an_existing_one()
    {
        // A preset first admin token that is not a token fails the start late: after the databases, the signing key
        // and the silo exist (AdminTokenBootstrap runs once the silo is up).
        var preset = Path.Combine(_root, "preset.token");
        await File.WriteAllTextAsync(preset, "not a token\n");
        var fresh = Path.Combine(_root, "fresh", "data");
        var existing = Path.Combine(_root, "existing");
        Directory.CreateDirectory(existing);
        await File.WriteAllTextAsync(Path.Combine(existing, "notes.txt"), "kept");

        foreach (var dataDir in new[] { fresh, existing })
        {
            using var silo = StartWithPreset(dataDir, preset);
            Assert.Equal(2, await silo.WaitForExitAsync(ExitTimeout));
            Assert.Contains("Mesh cannot start: the token in", Lines(silo.Output)[^1], StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_root, "fresh")), "The failed start left the data folder it created behind.");
        Assert.Equal("kept", await File.ReadAllTextAsync(Path.Combine(existing, "notes.txt")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static SiloProcess Start(string taken, int busy, string dataDir)
    {
        var ports = FreePorts.Take(3);
        var silo = taken == "silo" ? busy : ports[0];
        var gateway = taken == "gateway" ? busy : ports[1];
        var http = taken == "http" ? busy : ports[2];
        return new SiloProcess(
            ["--silo-port", $"{silo}", "--gateway-port", $"{gateway}", "--http-url", $"http://127.0.0.1:{http}", "--data-dir", dataDir],
            []);
    }

    private static SiloProcess StartWithPreset(string dataDir, string preset)
    {
        var ports = FreePorts.Take(3);
        return new SiloProcess(
            ["--silo-port", $"{ports[0]}", "--gateway-port", $"{ports[1]}", "--http-url", $"http://127.0.0.1:{ports[2]}", "--data-dir", dataDir],
            new() { ["Mesh__BootstrapAdminTokenFile"] = preset, ["Logging__LogLevel__Default"] = "None" });
    }

    private static string[] Lines(string output) => output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
