using System.Collections.Concurrent;
using System.Diagnostics;
using HdrHistogram;

namespace Mesh.LoadTests.Running;

/// <summary>What one measured run produced.</summary>
internal sealed record RunResult(long Ops, TimeSpan Elapsed, HistogramBase Latency, long Errors, IReadOnlyDictionary<string, long> Effects)
{
    public double OpsPerSecond => Ops / Elapsed.TotalSeconds;

    public long PercentileMicros(double percentile) => Latency.TotalCount == 0 ? 0 : Latency.GetValueAtPercentile(percentile);
}

/// <summary>
/// Drives an operation under a closed model (a fixed number of callers, each sending as soon as its last call
/// returned) or an open model (calls sent at a fixed rate whatever the latency, each measured from its intended send
/// time, so queueing is not hidden). Only calls that start after the warm-up are recorded.
/// </summary>
internal static class LoadRunner
{
    private const long MaxLatencyMicros = 60_000_000;

    /// <param name="operation">One call; returns an outcome label (e.g. <c>allow</c>, <c>deny:policy</c>); throws on error.</param>
    public static async Task<RunResult> RunAsync(string name, LoadOptions options, Func<long, Task<string>> operation, CancellationToken cancellationToken)
    {
        var latency = new LongConcurrentHistogram(1, MaxLatencyMicros, 3);
        var effects = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var state = new Counters();
        var clock = Stopwatch.StartNew();
        var measureFrom = options.Warmup;
        var end = options.Warmup + options.Duration;
        using var progress = options.Quiet ? null : new Timer(_ => Report(name, state, latency, clock.Elapsed, measureFrom), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        async Task Call(long sequence, TimeSpan intended)
        {
            var measured = intended >= measureFrom;
            try
            {
                var label = await operation(sequence);
                if (measured)
                {
                    latency.RecordValue(Math.Clamp((long)(clock.Elapsed - intended).TotalMicroseconds, 1, MaxLatencyMicros));
                    Interlocked.Increment(ref state.Ops);
                    effects.AddOrUpdate(label, 1, static (_, n) => n + 1);
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                if (measured)
                {
                    Interlocked.Increment(ref state.Errors);
                }
            }
        }

        if (options.Rate is { } rate)
        {
            await OpenLoopAsync(rate, end, clock, Call, cancellationToken);
        }
        else
        {
            var sequence = -1L;
            var workers = Enumerable.Range(0, options.Concurrency).Select(async _ =>
            {
                await Task.Yield();
                while (clock.Elapsed < end && !cancellationToken.IsCancellationRequested)
                {
                    await Call(Interlocked.Increment(ref sequence), clock.Elapsed);
                }
            });
            await Task.WhenAll(workers);
        }

        var elapsed = clock.Elapsed - measureFrom;
        return new RunResult(state.Ops, elapsed > TimeSpan.Zero ? elapsed : TimeSpan.FromTicks(1), latency, state.Errors, effects);
    }

    // Sends call i at start + i/rate. A call that cannot be sent on time is still measured from its intended time.
    private static async Task OpenLoopAsync(double rate, TimeSpan end, Stopwatch clock, Func<long, TimeSpan, Task> call, CancellationToken cancellationToken)
    {
        var inFlight = new List<Task>();
        var interval = TimeSpan.FromSeconds(1 / rate);
        for (long i = 0; !cancellationToken.IsCancellationRequested; i++)
        {
            var intended = interval * i;
            if (intended >= end)
            {
                break;
            }

            var wait = intended - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(wait, cancellationToken);
            }

            inFlight.Add(call(i, intended));
            if (inFlight.Count >= 4096)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(inFlight);
    }

    private static void Report(string name, Counters state, HistogramBase latency, TimeSpan elapsed, TimeSpan measureFrom)
    {
        var ops = Interlocked.Read(ref state.Ops);
        var delta = ops - state.LastOps;
        state.LastOps = ops;
        var phase = elapsed < measureFrom ? "warm-up" : "measuring";
        var p99 = latency.TotalCount == 0 ? 0 : latency.GetValueAtPercentile(99) / 1000.0;
        Console.Error.WriteLine($"[{name}] {elapsed.TotalSeconds,6:0.0} s {phase,-9} {delta,8:N0} ops/s  p99 {p99,8:0.000} ms  errors {Interlocked.Read(ref state.Errors)}");
    }

    private sealed class Counters
    {
        public long Ops;
        public long Errors;
        public long LastOps;
    }
}
