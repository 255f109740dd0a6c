using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using HdrHistogram;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.LoadTests.Reporting;
using Mesh.LoadTests.Running;
using Mesh.LoadTests.Targets;

namespace Mesh.LoadTests.Scenarios;

/// <summary>The five scenarios. Each sets itself up on the target, runs, and returns its report.</summary>
internal static class Scenarios
{
    /// <summary>A no-op grain call through the same client and harness: the ceiling a decision is compared with.</summary>
    public static async Task<ScenarioReport> PingAsync(LoadTarget target, LoadOptions options, CancellationToken cancellationToken)
    {
        // The same gate, client and harness as decisions: only the grain method differs.
        var keys = Enumerable.Range(0, Math.Max(1, options.Agents)).Select(i => $"ping/agent-{i}").ToArray();
        var result = await LoadRunner.RunAsync("ping", options, async sequence =>
        {
            await target.Gate.PingAsync(keys[sequence * 7919 % keys.Length], sequence);
            return "ok";
        }, cancellationToken);
        return ScenarioReport.From("ping", options, target.SiloCount, result);
    }

    /// <summary>Decisions through the Orleans client SDK with the realistic mix.</summary>
    public static async Task<ScenarioReport> DecideAsync(LoadTarget target, LoadOptions options, CancellationToken cancellationToken)
    {
        var workload = await Workload.SetUpAsync(target, options, "dec", Workload.DecisionPolicy);
        var result = await LoadRunner.RunAsync("decide", options, async sequence =>
            Workload.Label(await target.Gate.CheckAsync(workload.Request(sequence), cancellationToken)), cancellationToken);
        return ScenarioReport.From("decide", options, target.SiloCount, result);
    }

    /// <summary>The same decisions through POST /v1/decide, spread over every silo's HTTP endpoint.</summary>
    public static async Task<ScenarioReport> HttpAsync(LoadTarget target, LoadOptions options, CancellationToken cancellationToken)
    {
        var workload = await Workload.SetUpAsync(target, options, "htp", Workload.DecisionPolicy);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(options.Concurrency, 16), PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var clients = target.HttpBases.Select(b => new HttpClient(handler, disposeHandler: false) { BaseAddress = b, Timeout = TimeSpan.FromSeconds(30) }).ToArray();
        try
        {
            var result = await LoadRunner.RunAsync("http", options, async sequence =>
            {
                var request = workload.Request(sequence);
                using var message = new HttpRequestMessage(HttpMethod.Post, "v1/decide")
                {
                    Content = JsonContent.Create(new { request.RequestId, request.AgentId, request.Tool, request.Operation, request.Target, request.CredentialId }),
                };
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", request.AgentToken);
                using var response = await clients[sequence % clients.Length].SendAsync(message, cancellationToken);
                response.EnsureSuccessStatusCode();
                var decision = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                var effect = decision.GetProperty("effect").GetString();
                return effect == "deny" ? "deny:" + decision.GetProperty("reason").GetString() : effect!;
            }, cancellationToken);
            return ScenarioReport.From("http", options, target.SiloCount, result);
        }
        finally
        {
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>Full approval round trips: decision, approval opened, an approver votes over the API, the runtime proceeds.</summary>
    public static async Task<ScenarioReport> ApproveAsync(LoadTarget target, LoadOptions options, CancellationToken cancellationToken)
    {
        var workload = await Workload.SetUpAsync(target, options with { Tenants = 1, Approvals = 1 }, "apr", Workload.DecisionPolicy);
        using var admin = new HttpClient { BaseAddress = target.HttpBases[0] };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", target.AdminToken);
        using var created = await admin.PostAsJsonAsync("v1/tokens", new { name = "load-approver", roles = new[] { "approver" }, groups = new[] { "ops" } }, cancellationToken);
        created.EnsureSuccessStatusCode();
        var approverToken = (await created.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString();
        var approvers = target.HttpBases.Select(b =>
        {
            var client = new HttpClient { BaseAddress = b, Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", approverToken);
            return client;
        }).ToArray();
        try
        {
            var result = await LoadRunner.RunAsync("approve", options, async sequence =>
            {
                var request = workload.Request(sequence * 100 + 99);
                var asked = await target.Gate.CheckAsync(request, cancellationToken);
                if (asked.Effect != Effect.RequireApproval)
                {
                    return "unexpected:" + Workload.Label(asked);
                }

                var waiting = target.Gate.WaitForApprovalAsync(request.AgentId, request.AgentToken, asked.ApprovalId!, TimeSpan.FromSeconds(30), cancellationToken);
                using (var vote = await approvers[sequence % approvers.Length].PostAsJsonAsync($"v1/approvals/{asked.ApprovalId}/votes", new { approve = true }, cancellationToken))
                {
                    vote.EnsureSuccessStatusCode();
                }

                var approval = await waiting;
                if (approval.Status != ApprovalStatus.Granted)
                {
                    return "approval:" + approval.Status.ToString().ToLowerInvariant();
                }

                return Workload.Label(await target.Gate.CheckAsync(request with { ApprovalId = asked.ApprovalId }, cancellationToken));
            }, cancellationToken);
            return ScenarioReport.From("approve", options, target.SiloCount, result);
        }
        finally
        {
            foreach (var client in approvers)
            {
                client.Dispose();
            }
        }
    }
}
