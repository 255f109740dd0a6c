using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Mesh.Testing;
using Mesh.Testing.Postgres;
using Xunit.Abstractions;

namespace Mesh.Cluster.Tests;

/// <summary>
/// <c>deploy/local/up.sh</c> as an operator runs it on a fresh clone: PostgreSQL, the schema, three silos; then the
/// <c>mesh</c> CLI and the load generator against the cluster, and <c>down.sh</c>.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DeployLocalTests(ITestOutputHelper output)
{
    private static readonly string Repository = FindRepository();

    // The test projects build Mesh.Silo, Mesh.Cli and mesh-load in this configuration; the script runs those builds.
    private static readonly string Configuration = AppContext.BaseDirectory.Contains("/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    [PostgresFact]
    public async Task Up_starts_a_three_silo_cluster_that_the_cli_and_the_load_generator_use_and_down_stops_it()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mesh-local-" + Guid.NewGuid().ToString("N"));
        var http = FreeRange(3);
        string[] ports = ["--http-port", $"{http}", "--gateway-port", $"{FreeRange(3)}", "--silo-port", $"{FreeRange(3)}", "--pg-port", $"{FreeRange(1)}"];
        try
        {
            var up = await RunAsync("bash", [Path.Combine(Repository, "deploy/local/up.sh"), "--dir", dir, "--silos", "3", "--configuration", Configuration, "--no-build", .. ports], [], TimeSpan.FromMinutes(5));
            Assert.True(up.ExitCode == 0, "up.sh failed:\n" + up.Output);
            Assert.Contains("3 silo(s)", up.Output, StringComparison.Ordinal);

            var env = ReadEnv(Path.Combine(dir, "env"));
            Assert.Equal($"http://127.0.0.1:{http}", env["MESH_URL"]);

            // The CLI against silo 0's API: a policy, a credential, an agent, and a decision.
            var policy = Path.Combine(dir, "policy.yaml");
            await File.WriteAllTextAsync(policy, TestPolicies.AllowAll);
            await MeshAsync(env, "policy", "publish", "--tenant", "local", policy);
            await MeshAsync(env, "credential", "issue", "local/gh", "--tool", "git");
            var registered = JsonDocument.Parse(await MeshAsync(env, "agent", "register", "local/bot", "--credential", "local/gh", "--output", "json")).RootElement;
            var decision = JsonDocument.Parse(await MeshAsync(env, "decide", "--agent", "local/bot", "--agent-token", registered.GetProperty("token").GetString()!, "--tool", "git", "--operation", "push", "--credential", "local/gh", "--output", "json")).RootElement;
            Assert.Equal("allow", decision.GetProperty("effect").GetString(), ignoreCase: true);

            // The load generator finds the gateways through PostgreSQL and drives all three silos.
            var load = await RunAsync(
                "dotnet",
                [Path.Combine(Repository, $"loadtests/Mesh.LoadTests/bin/{Configuration}/net10.0/mesh-load.dll"), "decide", "--connection", env["MESH_DB_CONNECTION"], "--url", env["MESH_URL"], "--token", env["MESH_TOKEN"], "--agents", "30", "--tenants", "1", "--concurrency", "8", "--duration", "3", "--warmup", "1", "--quiet"],
                [],
                TimeSpan.FromMinutes(3));
            Assert.True(load.ExitCode == 0, "mesh-load failed:\n" + load.Output);
        }
        finally
        {
            var down = await RunAsync("bash", [Path.Combine(Repository, "deploy/local/down.sh"), "--dir", dir, "--purge"], [], TimeSpan.FromMinutes(2));
            output.WriteLine(down.Output);
            Assert.True(down.ExitCode == 0, "down.sh failed:\n" + down.Output);
        }

        Assert.False(Directory.Exists(dir));
    }

    private async Task<string> MeshAsync(Dictionary<string, string> env, params string[] args)
    {
        var result = await RunAsync("dotnet", [Path.Combine(Repository, $"src/Mesh.Cli/bin/{Configuration}/net10.0/mesh.dll"), .. args], env, TimeSpan.FromMinutes(1));
        Assert.True(result.ExitCode == 0, $"mesh {string.Join(' ', args)} failed:\n{result.Output}");
        return result.Output;
    }

    private async Task<(int ExitCode, string Output)> RunAsync(string file, string[] args, Dictionary<string, string> env, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(timeout);
        var text = await stdout + await stderr;
        output.WriteLine($"$ {file} {string.Join(' ', args.Select(a => a.Contains("Password", StringComparison.Ordinal) || a.StartsWith("mesh_", StringComparison.Ordinal) ? "<secret>" : a))}\n{text}");
        return (process.ExitCode, await stdout);
    }

    private static Dictionary<string, string> ReadEnv(string path) =>
        File.ReadAllLines(path)
            .Where(l => l.StartsWith("export ", StringComparison.Ordinal))
            .Select(l => l["export ".Length..].Split('=', 2))
            .ToDictionary(p => p[0], p => p[1].Trim('\''));

    // up.sh gives silo i the base port + i: find a base with that many free ports in a row.
    private static int FreeRange(int count)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = FreePorts.Take(1)[0];
            if (first + count < 65535 && Enumerable.Range(first, count).All(IsFree))
            {
                return first;
            }
        }

        throw new InvalidOperationException($"No {count} consecutive free ports found.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(System.Net.IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static string FindRepository()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Mesh.sln not found above " + AppContext.BaseDirectory);
    }
}
