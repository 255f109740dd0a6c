using System.Globalization;
using HdrHistogram;

namespace Mesh.LoadTests.Running;

/// <summary>
/// The once-a-second progress line of a run. Its clock is the run's own: during the warm-up it says how far the
/// warm-up is and how many calls it made (nothing is measured yet, so it claims no rate or latency); while measuring it
/// shows the time measured out of <c>--duration</c> (never more), the rate since the last line and the p99 so far;
/// after the window it says which calls it still waits for.
/// </summary>
internal sealed class ProgressReporter(string name, TimeSpan warmup, TimeSpan duration, RunCounters counters, HistogramBase latency, TextWriter output)
{
    private readonly Lock _gate = new();
    private long _lastOps;
    private TimeSpan _lastMeasured;

    /// <summary>Writes the line for <paramref name="elapsed"/> (time since the run started, warm-up included).</summary>
    public void Report(TimeSpan elapsed)
    {
        lock (_gate)
        {
            output.WriteLine(Line(elapsed));
        }
    }

    private string Line(TimeSpan elapsed)
    {
        if (elapsed <= warmup)
        {
            return string.Create(CultureInfo.InvariantCulture, $"[{name}] warming up {Seconds(elapsed)}/{Seconds(warmup)} s, {Interlocked.Read(ref counters.WarmupCalls):N0} calls (not measured)");
        }

        var measured = elapsed - warmup < duration ? elapsed - warmup : duration;
        var errors = Interlocked.Read(ref counters.Errors);
        if (measured <= _lastMeasured)
        {
            return string.Create(CultureInfo.InvariantCulture, $"[{name}] measured {Seconds(duration)}/{Seconds(duration)} s, waiting for {Interlocked.Read(ref counters.InFlight):N0} calls in flight, errors {errors}");
        }

        var ops = Interlocked.Read(ref counters.Ops);
        var rate = (ops - _lastOps) / (measured - _lastMeasured).TotalSeconds;
        (_lastOps, _lastMeasured) = (ops, measured);

        // No completed call yet means no latency to show, not a latency of zero.
        var p99 = latency.TotalCount == 0 ? "-" : (latency.GetValueAtPercentile(99) / 1000.0).ToString("0.000", CultureInfo.InvariantCulture);
        return string.Create(CultureInfo.InvariantCulture, $"[{name}] measuring {Seconds(measured)}/{Seconds(duration)} s {rate,10:N0} ops/s  p99 {p99,8} ms  errors {errors}");
    }

    // Truncated, not rounded: 4.96 s measured is not yet "5.0 of 5.0 s".
    private static string Seconds(TimeSpan time) => (Math.Floor(time.TotalSeconds * 10) / 10).ToString("0.0", CultureInfo.InvariantCulture);
}
