using System.Collections.Concurrent;
using System.Diagnostics;
using Mesh.Contracts.Decisions;

namespace Mesh.Testing;

/// <summary>
/// Runs decisions from many concurrent workers while a fleet-wide change is made, and records for each decision when
/// it started (before the call was sent) and what it got. A guarantee of the form "no decision that starts after the
/// change returned allows" is then a check over these records, against the instant the change returned.
/// </summary>
public static class DecisionStorm
{
    /// <summary>One decision: when it was sent (<see cref="Stopwatch"/> ticks), by which agent, and its answer (null on error).</summary>
    public sealed record Observation(long StartedAt, TestAgent Agent, Decision? Decision);

    /// <summary>The decisions, the instant the change returned, and the change's own result.</summary>
    public sealed record Result<T>(IReadOnlyList<Observation> Observations, long ReturnedAt, T Change)
    {
        /// <summary>Decisions sent after the change returned.</summary>
        public IEnumerable<Observation> After => Observations.Where(o => o.StartedAt > ReturnedAt);

        /// <summary>Decisions sent after the change returned that were allowed: a broken guarantee.</summary>
        public IReadOnlyList<Observation> AllowsAfter => [.. After.Where(o => o.Decision?.Effect == Effect.Allow)];
    }

    /// <summary>
    /// Starts <paramref name="workers"/> loops deciding for random agents, waits until <paramref name="warmup"/>
    /// decisions are done, makes the change, and keeps going until <paramref name="after"/> decisions have started
    /// after it returned.
    /// </summary>
    public static async Task<Result<T>> RunAsync<T>(
        IReadOnlyList<TestAgent> agents, Func<TestAgent, ActionRequest> request, Func<Task<T>> change, int workers = 16, int warmup = 300, int after = 600)
    {
        var observations = new ConcurrentQueue<Observation>();
        var returnedAt = long.MaxValue;
        var done = 0;
        var afterCount = 0;
        var warm = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (!stop.IsCancellationRequested)
            {
                var agent = agents[random.Next(agents.Count)];
                var startedAt = Stopwatch.GetTimestamp();
                Decision? decision = null;
                try
                {
                    decision = await agent.DecideAsync(request(agent)).WaitAsync(TimeSpan.FromSeconds(10));
                }
                catch (Exception ex) when (ex is TimeoutException or OrleansException or SiloUnavailableException)
                {
                    // Counted as no answer: a runtime treats it as a deny.
                }

                observations.Enqueue(new Observation(startedAt, agent, decision));
                if (Interlocked.Increment(ref done) >= warmup)
                {
                    warm.TrySetResult();
                }

                if (startedAt > Volatile.Read(ref returnedAt) && Interlocked.Increment(ref afterCount) >= after)
                {
                    await stop.CancelAsync();
                }
            }
        })).ToArray();

        await warm.Task.WaitAsync(TimeSpan.FromMinutes(2));
        var result = await change();
        Volatile.Write(ref returnedAt, Stopwatch.GetTimestamp());
        await Task.WhenAll(loops).WaitAsync(TimeSpan.FromMinutes(3));
        return new Result<T>([.. observations], returnedAt, result);
    }
}
