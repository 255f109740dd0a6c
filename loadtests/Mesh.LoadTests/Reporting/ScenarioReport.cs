using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.LoadTests.Running;
using Spectre.Console;

namespace Mesh.LoadTests.Reporting;

/// <summary>One scenario's results, in the shape of the --json file (snake_case field names).</summary>
internal sealed record ScenarioReport
{
    public required string Scenario { get; init; }
    public int Silos { get; init; }
    public int Agents { get; init; }
    public int Credentials { get; init; }
    public int Rules { get; init; }
    public int Concurrency { get; init; }
    public double? Rate { get; init; }
    public double DurationS { get; init; }
    public long Ops { get; init; }
    public double OpsPerSec { get; init; }
    public long P50Us { get; init; }
    public long P90Us { get; init; }
    public long P99Us { get; init; }
    public long P999Us { get; init; }
    public long MaxUs { get; init; }
    public long Errors { get; init; }
    public IReadOnlyDictionary<string, long> Effects { get; init; } = new Dictionary<string, long>();
    public double? RevokeReturnMs { get; init; }
    public double? FleetDenyMs { get; init; }
    public long? StaleAllows { get; init; }
    /// <summary>The fewest silos that confirmed a revoke before it returned (from its fleet receipt), and how many were live.</summary>
    public int? RevokeSilosAcknowledged { get; init; }
    public int? RevokeSilosLive { get; init; }
    public double? BaselinePingOpsPerSec { get; init; }
    public double? RatioToPing { get; init; }

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    public static ScenarioReport From(string scenario, LoadOptions options, int silos, RunResult result) => new()
    {
        Scenario = scenario,
        Silos = silos,
        Agents = options.Agents,
        Credentials = options.Credentials,
        Rules = options.Rules,
        Concurrency = options.Rate is null ? options.Concurrency : 0,
        Rate = options.Rate,
        DurationS = Math.Round(result.Elapsed.TotalSeconds, 3),
        Ops = result.Ops,
        OpsPerSec = Math.Round(result.OpsPerSecond, 1),
        P50Us = result.PercentileMicros(50),
        P90Us = result.PercentileMicros(90),
        P99Us = result.PercentileMicros(99),
        P999Us = result.PercentileMicros(99.9),
        MaxUs = result.Latency.TotalCount == 0 ? 0 : result.Latency.GetValueAtPercentile(100),
        Errors = result.Errors,
        Effects = result.Effects.OrderBy(e => e.Key, StringComparer.Ordinal).ToDictionary(e => e.Key, e => e.Value),
    };

    public void Print(IAnsiConsole console)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Scenario}[/]").AddColumn("measure").AddColumn(new TableColumn("value").RightAligned());
        void Row(string name, string value) => table.AddRow(name, Markup.Escape(value));
        Row("silos / agents / credentials / rules", $"{Silos} / {Agents:N0} / {Credentials} / {Rules}");
        Row("load", Rate is { } r ? $"open loop, {r:N0}/s" : $"closed loop, concurrency {Concurrency}");
        Row("measured", $"{DurationS:0.0} s, {Ops:N0} ops, {Errors} errors");
        Row("throughput", $"{OpsPerSec:N0} ops/s");
        Row("latency p50 / p90 / p99 / p99.9 / max", $"{P50Us / 1000.0:0.000} / {P90Us / 1000.0:0.000} / {P99Us / 1000.0:0.000} / {P999Us / 1000.0:0.000} / {MaxUs / 1000.0:0.000} ms");
        if (Effects.Count > 0)
        {
            Row("effects", string.Join(", ", Effects.Select(e => $"{e.Key} {e.Value:N0}")));
        }

        if (BaselinePingOpsPerSec is { } ping)
        {
            Row("baseline ping / ratio", $"{ping:N0} ops/s / {RatioToPing:0.00}");
        }

        if (RevokeReturnMs is { } revoke)
        {
            Row("revoke returned / fleet denies / stale allows", $"{revoke:0.0} ms / {FleetDenyMs:0.0} ms / {StaleAllows}");
            Row("revoke receipt: silos confirmed (fewest) / live", $"{RevokeSilosAcknowledged} / {RevokeSilosLive}");
        }

        console.Write(table);
    }
}
