using System.Globalization;
using System.Text.RegularExpressions;
using Mesh.LoadTests.Reporting;
using Mesh.LoadTests.Running;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.LoadTests.Tests.Running;

/// <summary>
/// The runner on a fake clock: every call takes 700 ms of fake time, so where the warm-up ends, where the window closes
/// and what is still in flight then are exact. The clock moves in 100 ms steps so the progress timer fires on its
/// whole seconds (a fake clock fires a timer only after the whole step it is advanced by).
/// </summary>
public sealed partial class LoadRunnerClockTests
{
    private static readonly TimeSpan Step = TimeSpan.FromMilliseconds(100);

    private static async Task<(RunResult Result, string[] Lines)> RunAsync(TimeSpan warmup, TimeSpan duration)
    {
        var time = new FakeTimeProvider();
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var options = new LoadOptions { Concurrency = 1, Warmup = warmup, Duration = duration, Time = time, Output = TextWriter.Synchronized(output) };

        var result = await LoadRunner.RunAsync("fake", options, _ =>
        {
            for (var i = 0; i < 7; i++)
            {
                time.Advance(Step);
            }

            return Task.FromResult("ok");
        }, CancellationToken.None);

        return (result, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public async Task Warm_up_lines_say_how_far_the_warm_up_is_and_claim_no_rate_or_latency()
    {
        var (_, lines) = await RunAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));

        // Ticks at 1 s and 2 s fall in the warm-up; the calls sent at 0 s and 0.7 s had returned by then (at 0.7 s, 1.4 s).
        var warmUp = lines.Where(l => l.Contains("warming up", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["[fake] warming up 1.0/2.0 s, 1 calls (not measured)", "[fake] warming up 2.0/2.0 s, 2 calls (not measured)"], warmUp);
        Assert.All(lines.Take(2), l => Assert.Contains("warming up", l, StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => ZeroRate().IsMatch(l) || l.Contains("0.000 ms", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_measured_time_is_the_configured_duration_even_when_the_last_call_ends_after_it()
    {
        // Measured calls are sent at 2.1, 2.8, 3.5, 4.2 and 4.9 s; the last returns at 5.6 s, after the window (2 s to 5 s).
        var (result, lines) = await RunAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3));

        Assert.Equal(5, result.Ops);
        Assert.Equal(TimeSpan.FromSeconds(3), result.Elapsed);
        var report = ScenarioReport.From("fake", new LoadOptions { Duration = TimeSpan.FromSeconds(3) }, 1, result);
        Assert.Equal(3.0, report.DurationS);
        Assert.Equal(5 / 3.0, report.OpsPerSec, 1);

        // The progress clock counts the same window: 1.0, 2.0, 3.0 of 3.0 s, never more.
        var measuring = lines.Select(l => MeasuringClock().Match(l)).Where(m => m.Success).Select(m => m.Groups[1].Value + "/" + m.Groups[2].Value).ToArray();
        Assert.Equal(["1.0/3.0", "2.0/3.0", "3.0/3.0"], measuring);
        Assert.Contains("[fake] measuring 3.0/3.0 s          2 ops/s  p99  700.", lines[^1], StringComparison.Ordinal);
    }

    [GeneratedRegex(@"(?<![\d,.])0 ops/s")]
    private static partial Regex ZeroRate();

    [GeneratedRegex(@"measuring (\d+\.\d)/(\d+\.\d) s")]
    private static partial Regex MeasuringClock();
}
