using System.Collections.Concurrent;
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
/// time, so queueing is not hidden).
/// </summary>
/// <remarks>
/// The measurement window is exactly <c>--duration</c> long and starts after <c>--warmup</c>: the calls measured are
/// the ones sent inside it (those still in flight when it closes are waited for and counted, none is sent after it),
/// and rates are over the window's length. So the report's measured time is the configured one, and the progress
/// clock, which counts the same window, never shows more.
/// </remarks>
internal static class LoadRunner
{
    private const long MaxLatencyMicros = 60_000_000;

    /// <param name="operation">One call; returns an outcome label (e.g. <c>allow</c>, <c>deny:policy</c>); throws on error.</param>
    public static async Task<RunResult> RunAsync(string name, LoadOptions options, Func<long, Task<string>> operation, CancellationToken cancellationToken)
    {
        var time = options.Time;
        var latency = new LongConcurrentHistogram(1, MaxLatencyMicros, 3);
        var effects = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var counters = new RunCounters();
        var started = time.GetTimestamp();
        TimeSpan Now() => time.GetElapsedTime(started);
        var measureFrom = options.Warmup;
        var end = options.Warmup + options.Duration;
        var progress = options.Quiet ? null : new ProgressReporter(name, options.Warmup, options.Duration, counters, latency, options.Output);
        using var timer = progress is null ? null : time.CreateTimer(_ => progress.Report(Now()), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));

        async Task Call(long sequence, TimeSpan intended)
        {
            var measured = intended >= measureFrom;
            Interlocked.Increment(ref counters.InFlight);
            try
            {
                var label = await operation(sequence);
                if (measured)
                {
                    latency.RecordValue(Math.Clamp((long)(Now() - intended).TotalMicroseconds, 1, MaxLatencyMicros));
                    Interlocked.Increment(ref counters.Ops);
                    effects.AddOrUpdate(label, 1, static (_, n) => n + 1);
                }
                else
                {
                    Interlocked.Increment(ref counters.WarmupCalls);
                }
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                if (measured)
                {
                    Interlocked.Increment(ref counters.Errors);
                }
                else
                {
                    Interlocked.Increment(ref counters.WarmupCalls);
                }
            }
            finally
            {
                Interlocked.Decrement(ref counters.InFlight);
            }
        }

        if (options.Rate is { } rate)
        {
            await OpenLoopAsync(rate, end, Now, time, Call, cancellationToken);
        }
        else
        {
            var sequence = -1L;
            var workers = Enumerable.Range(0, options.Concurrency).Select(async _ =>
            {
                await Task.Yield();
                while (!cancellationToken.IsCancellationRequested)
                {
                    var now = Now();
                    if (now >= end)
                    {
                        break;
                    }

                    await Call(Interlocked.Increment(ref sequence), now);
                }
            });
            await Task.WhenAll(workers);
        }

        return new RunResult(counters.Ops, options.Duration, latency, counters.Errors, effects);
    }

    // Sends call i at start + i/rate. A call that cannot be sent on time is still measured from its intended time.
    private static async Task OpenLoopAsync(double rate, TimeSpan end, Func<TimeSpan> now, TimeProvider time, Func<long, TimeSpan, Task> call, CancellationToken cancellationToken)
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

            var wait = intended - now();
            if (wait > TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            inFlight.Add(call(i, intended));
            if (inFlight.Count >= 4096)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }
        }

        await Task.WhenAll(inFlight);
    }
}
