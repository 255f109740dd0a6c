using HdrHistogram;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Decisions;
using Mesh.LoadTests.Reporting;
using Mesh.LoadTests.Running;
using Mesh.LoadTests.Targets;

namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// While decisions for a credential shared by every agent run on all silos, the credential is revoked. Measures how
/// long the revoke call takes to return, how long until a probe agent on every silo is denied, and the allowed
/// decisions that started after the revoke returned (stale allows; the guarantee is that there are none).
/// </summary>
internal static class RevokeScenario
{
    public static async Task<ScenarioReport> RunAsync(LoadTarget target, LoadOptions options, CancellationToken cancellationToken)
    {
        const string Tenant = "revoke";
        var rounds = Math.Max(1, options.Revocations);
        var credentials = Enumerable.Range(0, rounds).Select(r => $"{Tenant}/shared-{r}").ToArray();
        await target.Operator.PublishAsync(Tenant, Workload.DecisionPolicy(options.Rules));
        foreach (var credential in credentials)
        {
            await target.Operator.IssueCredentialAsync(credential);
        }

        var agents = new string[options.Agents];
        var tokens = new string[options.Agents];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Agents), new ParallelOptions { MaxDegreeOfParallelism = 64, CancellationToken = cancellationToken }, async (i, _) =>
        {
            agents[i] = $"{Tenant}/agent-{i}";
            tokens[i] = await target.Operator.RegisterAsync(agents[i], ["coder"], credentials);
        });

        var probes = await FindProbesAsync(target, agents, tokens, credentials[0], cancellationToken);
        var time = options.Time;
        var clockStart = time.GetTimestamp();
        double NowMs() => time.GetElapsedTime(clockStart).TotalMilliseconds;
        var latency = new LongHistogram(60_000_000, 3);
        var effects = new List<IReadOnlyDictionary<string, long>>();
        var revokeReturn = new List<double>();
        var fleetDeny = new List<double>();
        long ops = 0, errors = 0, stale = 0;
        int minAcknowledged = int.MaxValue, silosLive = 0;
        var measured = TimeSpan.Zero;
        var roundLength = options.Duration / rounds > TimeSpan.FromSeconds(1) ? options.Duration / rounds : TimeSpan.FromSeconds(1);
        for (var round = 0; round < rounds; round++)
        {
            var credential = credentials[round];
            var revokedAt = double.MaxValue;
            var load = LoadRunner.RunAsync($"revoke {round + 1}/{rounds}", options with { Duration = roundLength, Warmup = round == 0 ? options.Warmup : TimeSpan.Zero }, async sequence =>
            {
                var agent = (int)(sequence * 7919 % agents.Length);
                var startedAt = NowMs();
                var decision = await target.Gate.CheckAsync(Request(agents[agent], tokens[agent], credential, $"rv{round}-{sequence}"), cancellationToken);
                if (decision.IsAllowed && startedAt >= Volatile.Read(ref revokedAt))
                {
                    Interlocked.Increment(ref stale);
                }

                return Workload.Label(decision);
            }, cancellationToken);

            // Revoke in the middle of the round, with the load running on every silo.
            await Task.Delay((round == 0 ? options.Warmup : TimeSpan.Zero) + (roundLength / 2), time, cancellationToken);
            var start = NowMs();
            var (acknowledged, live) = await target.Operator.RevokeAsync(credential);
            (minAcknowledged, silosLive) = (Math.Min(minAcknowledged, acknowledged), live);
            var returned = NowMs();
            Volatile.Write(ref revokedAt, returned);
            revokeReturn.Add(returned - start);
            fleetDeny.Add(await UntilEveryProbeDeniesAsync(target, probes, credential, NowMs, cancellationToken) - start);

            var result = await load;
            latency.Add(result.Latency);
            effects.Add(result.Effects);
            ops += result.Ops;
            errors += result.Errors;
            measured += result.Elapsed;
        }

        var report = ScenarioReport.From("revoke", options with { Credentials = rounds }, target.SiloCount, new RunResult(ops, measured, latency, errors, Workload.Merge(effects)));
        return report with
        {
            RevokeReturnMs = Math.Round(Percentile(revokeReturn, 99), 3),
            FleetDenyMs = Math.Round(Percentile(fleetDeny, 99), 3),
            StaleAllows = stale,
            RevokeSilosAcknowledged = minAcknowledged == int.MaxValue ? 0 : minAcknowledged,
            RevokeSilosLive = silosLive,
        };
    }

    private static ActionRequest Request(string agent, string token, string credential, string requestId) => new()
    {
        RequestId = requestId,
        AgentId = agent,
        AgentToken = token,
        Tool = "git",
        Operation = "pull",
        Target = "github.com/acme/app",
        CredentialId = credential,
    };

    // One probe agent per silo, found by where the agents' activations live. Only a silo may ask that, so against a
    // mesh this tool attached to (no silo in this process) the probes are the first agents, four per silo: placement
    // spreads them, though no one can check that every silo has one.
    private static async Task<List<(string Agent, string Token)>> FindProbesAsync(LoadTarget target, string[] agents, string[] tokens, string credential, CancellationToken cancellationToken)
    {
        if (target.SiloGrains is not { } grains)
        {
            return [.. Enumerable.Range(0, Math.Min(agents.Length, 4 * target.SiloCount)).Select(i => (agents[i], tokens[i]))];
        }

        var management = grains.GetGrain<IManagementGrain>(0);
        var bySilo = new Dictionary<string, (string, string)>();
        for (var i = 0; i < Math.Min(agents.Length, 256) && bySilo.Count < target.SiloCount; i++)
        {
            await target.Gate.CheckAsync(Request(agents[i], tokens[i], credential, $"probe-find-{i}"), cancellationToken);
            var silo = await management.GetActivationAddress(grains.GetGrain<IAgentGrain>(agents[i]));
            if (silo is not null)
            {
                bySilo.TryAdd(silo.ToString(), (agents[i], tokens[i]));
            }
        }

        return [.. bySilo.Values];
    }

    private static async Task<double> UntilEveryProbeDeniesAsync(LoadTarget target, List<(string Agent, string Token)> probes, string credential, Func<double> nowMs, CancellationToken cancellationToken)
    {
        var pending = probes.ToList();
        for (var attempt = 0L; pending.Count > 0; attempt++)
        {
            var results = await Task.WhenAll(pending.Select(p => target.Gate.CheckAsync(Request(p.Agent, p.Token, credential, $"probe-{credential}-{attempt}"), cancellationToken)));
            pending = [.. pending.Where((_, i) => results[i].IsAllowed)];
        }

        return nowMs();
    }

    private static double Percentile(List<double> values, double percentile)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(percentile / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
