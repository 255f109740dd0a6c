using System.Diagnostics;
using System.Text.RegularExpressions;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Cli;

/// <summary>
/// <c>mesh audit tail</c> says that it follows and how to stop (on stderr, so a pipe gets records only), shows a
/// backlog with <c>--since</c> and the reason an operator gave; <c>mesh audit export --otlp</c> names why a collector
/// could not be reached.
/// </summary>
public sealed class CliTailAndExportTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private Task<(int Exit, string Out, string Err)> MeshAsync(params string[] args) => MeshCli.RunAsync(_mesh.HttpBase, _mesh.AdminToken, args);

    private static async Task<string> ReadUntilAsync(StreamReader reader, Func<string, bool> wanted, List<string> seen)
    {
        while (await reader.ReadLineAsync().WaitAsync(Deadline) is { } line)
        {
            seen.Add(line);
            if (wanted(line))
            {
                return line;
            }
        }

        throw new Xunit.Sdk.XunitException("the stream ended before the line came: " + string.Join('\n', seen));
    }

    private static async Task StopAsync(Process tail)
    {
        tail.Kill(entireProcessTree: true);
        await tail.WaitForExitAsync().WaitAsync(Deadline);
    }

    [Fact]
    public async Task Tail_since_shows_the_backlog_with_the_pause_reason_after_saying_it_follows()
    {
        var tenant = "tt" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, (await MeshAsync("agent", "register", $"{tenant}/bot")).Exit);
        Assert.Equal(0, (await MeshAsync("agent", "pause", $"{tenant}/bot", "--reason", "runaway loop")).Exit);

        using var tail = MeshCli.Start(_mesh.HttpBase, _mesh.AdminToken, "audit", "tail", "--tenant", tenant, "--since", "5m");
        try
        {
            var notice = await tail.StandardError.ReadLineAsync().WaitAsync(Deadline);
            var seen = new List<string>();
            var pause = await ReadUntilAsync(tail.StandardOutput, line => line.Contains("agent.pause", StringComparison.Ordinal), seen);

            Assert.NotNull(notice);
            Assert.Contains("following the audit trail (tenant " + tenant + ")", notice, StringComparison.Ordinal);
            Assert.Contains("Ctrl+C", notice, StringComparison.Ordinal);
            // Standard output holds records only, the backlog from before the tail started included.
            Assert.All(seen, line => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z  ", line));
            Assert.Contains(seen, line => line.Contains("agent.register", StringComparison.Ordinal));
            Assert.EndsWith("(reason: runaway loop)", pause, StringComparison.Ordinal);
        }
        finally
        {
            await StopAsync(tail);
        }
    }

    [Fact]
    public async Task Tail_says_it_follows_before_any_record_arrives_then_prints_new_ones()
    {
        var tenant = "tn" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, (await MeshAsync("agent", "register", $"{tenant}/bot")).Exit);

        using var tail = MeshCli.Start(_mesh.HttpBase, _mesh.AdminToken, "audit", "tail", "--tenant", tenant, "--kind", "operator_action");
        try
        {
            // The notice comes once the mesh accepted the tail, with no record yet to show.
            var notice = await tail.StandardError.ReadLineAsync().WaitAsync(Deadline);
            Assert.Contains("following the audit trail (tenant " + tenant + ", kind operator_action): new records appear as they are stored; press Ctrl+C to stop.", notice, StringComparison.Ordinal);

            Assert.Equal(0, (await MeshAsync("agent", "quarantine", $"{tenant}/bot", "--reason", "exfiltration suspected")).Exit);
            var seen = new List<string>();
            var line = await ReadUntilAsync(tail.StandardOutput, l => l.Contains("agent.quarantine", StringComparison.Ordinal), seen);

            Assert.EndsWith("(reason: exfiltration suspected)", line, StringComparison.Ordinal);
            Assert.DoesNotContain(seen, l => l.Contains("agent.register", StringComparison.Ordinal));
        }
        finally
        {
            await StopAsync(tail);
        }
    }

    [Fact]
    public async Task Otlp_export_to_a_closed_port_names_connection_refused_once()
    {
        var tenant = "to" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, (await MeshAsync("agent", "register", $"{tenant}/bot")).Exit);
        var endpoint = $"http://127.0.0.1:{FreePorts.Take(1)[0]}";

        // A refused connection fails at once: the default --timeout only bounds a busy machine's answer.
        var export = await MeshAsync("audit", "export", "--otlp", endpoint, "--tenant", tenant);

        Assert.Equal(4, export.Exit);
        Assert.Contains($"the collector at {endpoint}/v1/logs accepted 0 of 1 record(s) (1 failed)", export.Err, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(export.Err, "Connection refused", RegexOptions.IgnoreCase));
        Assert.Contains("Connection refused (127.0.0.1:" + endpoint.Split(':')[^1] + ")", export.Err, StringComparison.OrdinalIgnoreCase);
    }
}
