using System.Text.Json;

namespace Mesh.LoadTests.Tests;

/// <summary>
/// A short run of every scenario against embedded silos: it completes and reports sane fields. Speed is measured by
/// the tool itself (docs/PERFORMANCE.md), never asserted here.
/// </summary>
public sealed class ScenarioSmokeTests
{
    private static Task<JsonElement[]> RunAsync(params string[] args) => RunTargetAsync([.. args, "--embedded"]);

    private static async Task<JsonElement[]> RunTargetAsync(string[] args)
    {
        var file = Path.Combine(Path.GetTempPath(), $"mesh-load-{Guid.NewGuid():N}.json");
        var siloLog = Path.ChangeExtension(file, ".log");
        try
        {
            var error = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
            // A scenario may name its own window (approvals take several round trips each); otherwise 1.5 s.
            string[] window = args.Contains("--duration") ? [] : ["--duration", "1.5"];
            var exit = await LoadTestCli.RunAsync([.. args, .. window, "--warmup", "0.5", "--agents", "40", "--quiet", "--json", file, "--silo-log", siloLog], new LoadConsole(TextWriter.Null, TextWriter.Synchronized(error), OwnsProcessConsole: false));
            Assert.True(exit == 0, $"exit {exit}: {error}");
            return [.. JsonDocument.Parse(await File.ReadAllTextAsync(file)).RootElement.EnumerateArray()];
        }
        finally
        {
            File.Delete(file);
            File.Delete(siloLog);
        }
    }

    private static void AssertSane(JsonElement report, string scenario, double durationS = 1.5)
    {
        Assert.Equal(scenario, report.GetProperty("scenario").GetString());
        // The measured window is the configured one, however long the last calls took to return.
        Assert.Equal(durationS, report.GetProperty("duration_s").GetDouble());
        Assert.True(report.GetProperty("ops").GetInt64() > 0, $"{scenario}: no operations measured");
        Assert.True(report.GetProperty("ops_per_sec").GetDouble() > 0);
        Assert.Equal(0, report.GetProperty("errors").GetInt64());
        var p50 = report.GetProperty("p50_us").GetInt64();
        var p99 = report.GetProperty("p99_us").GetInt64();
        Assert.True(p50 > 0 && p50 <= p99 && p99 <= report.GetProperty("p999_us").GetInt64() && p99 <= report.GetProperty("max_us").GetInt64(), $"{scenario}: percentiles out of order");
        foreach (var field in new[] { "silos", "agents", "credentials", "rules", "concurrency", "duration_s", "effects" })
        {
            Assert.True(report.TryGetProperty(field, out _), $"{scenario}: no '{field}'");
        }
    }

    [Fact]
    public async Task Decide_with_baseline_reports_the_mix_and_the_ratio_to_ping()
    {
        var reports = await RunAsync("decide", "--concurrency", "8", "--with-baseline");

        var decide = reports[0];
        AssertSane(decide, "decide");
        AssertSane(reports[1], "ping");
        var effects = decide.GetProperty("effects");
        Assert.True(effects.TryGetProperty("allow", out _));
        Assert.True(effects.TryGetProperty("deny:policy", out _));
        Assert.True(effects.TryGetProperty("deny:default", out _));
        Assert.True(effects.TryGetProperty("require_approval", out _));
        Assert.True(decide.GetProperty("ratio_to_ping").GetDouble() > 0);
        Assert.Equal(reports[1].GetProperty("ops_per_sec").GetDouble(), decide.GetProperty("baseline_ping_ops_per_sec").GetDouble());
    }

    [Fact]
    public async Task Decide_runs_on_sqlite_with_durable_audit_and_with_audit_off()
    {
        AssertSane((await RunAsync("decide", "--concurrency", "8", "--storage", "sqlite", "--audit", "durable"))[0], "decide");
        AssertSane((await RunAsync("decide", "--concurrency", "8", "--audit", "off"))[0], "decide");
    }

    [Fact]
    public async Task Sqlite_storage_with_several_silos_is_refused_before_anything_starts()
    {
        var console = new LoadConsole(TextWriter.Null, TextWriter.Null, OwnsProcessConsole: false);
        Assert.Equal(2, await LoadTestCli.RunAsync(["decide", "--embedded", "--storage", "sqlite", "--silos", "2", "--quiet"], console));
        Assert.Equal(2, await LoadTestCli.RunAsync(["decide", "--embedded", "--audit", "sometimes", "--quiet"], console));
    }

    [Fact]
    public async Task Http_decisions_run_open_loop()
    {
        var reports = await RunAsync("http", "--rate", "200");

        AssertSane(reports[0], "http");
        Assert.Equal(200, reports[0].GetProperty("rate").GetDouble());
    }

    [Fact]
    public async Task Approval_round_trips_end_allowed()
    {
        // A round trip is a decide, a vote and a second decide; on a busy 2-core machine the warm-up's calls alone can
        // outlast a 1.5 s window, which then measures nothing.
        var reports = await RunAsync("approve", "--concurrency", "4", "--duration", "5");

        AssertSane(reports[0], "approve", durationS: 5);
        var effects = reports[0].GetProperty("effects");
        Assert.Equal(reports[0].GetProperty("ops").GetInt64(), effects.GetProperty("allow").GetInt64());
    }

    [Fact]
    public async Task Revoke_on_two_silos_reports_no_stale_allows()
    {
        var reports = await RunAsync("revoke", "--silos", "2", "--concurrency", "8", "--revocations", "2");

        var revoke = reports[0];
        // Two rounds of at least a second each (README).
        AssertSane(revoke, "revoke", durationS: 2);
        Assert.Equal(2, revoke.GetProperty("silos").GetInt32());
        Assert.Equal(0, revoke.GetProperty("stale_allows").GetInt64());
        Assert.True(revoke.GetProperty("revoke_return_ms").GetDouble() > 0);
        Assert.True(revoke.GetProperty("fleet_deny_ms").GetDouble() >= revoke.GetProperty("revoke_return_ms").GetDouble());
        Assert.True(revoke.GetProperty("effects").TryGetProperty("deny:credential_revoked", out _));
        Assert.False(revoke.GetProperty("effects").TryGetProperty("deny:request_id_reused", out _));
        // Every revoke's fleet receipt: both silos confirmed before it returned.
        Assert.Equal(2, revoke.GetProperty("revoke_silos_live").GetInt32());
        Assert.Equal(2, revoke.GetProperty("revoke_silos_acknowledged").GetInt32());
    }

    [Fact]
    public async Task Connect_attaches_to_a_running_silo()
    {
        await using var mesh = await Mesh.Testing.EmbeddedMesh.StartAsync();

        var reports = await RunTargetAsync(["decide", "--concurrency", "4", "--connect", $"127.0.0.1:{mesh.GatewayPort}", "--url", mesh.HttpBase.ToString(), "--token", mesh.AdminToken]);

        AssertSane(reports[0], "decide");
        Assert.Equal(1, reports[0].GetProperty("silos").GetInt32());
    }

    [Fact]
    public async Task Ping_is_the_baseline()
    {
        var reports = await RunAsync("ping", "--concurrency", "8");

        AssertSane(reports[0], "ping");
    }
}
