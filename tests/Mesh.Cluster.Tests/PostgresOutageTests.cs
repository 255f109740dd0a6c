using System.Net;
using Mesh.Cluster.Tests.Harness;
using Mesh.Contracts.Decisions;
using Mesh.Testing;
using Mesh.Testing.Postgres;
using Xunit.Abstractions;

namespace Mesh.Cluster.Tests;

/// <summary>
/// PostgreSQL stopped under load and started again. Every decision waits for its audit record to be durable, so
/// while the database is down decisions are denied (<c>audit_unavailable</c>), never allowed unrecorded; everything
/// else that needs the database — an agent not in memory, an operator change — fails closed too. Afterwards all of it
/// works again and the audit chains verify: nothing was half-written.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PostgresOutageTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(90);

    [PostgresFact]
    public async Task Decisions_fail_closed_while_PostgreSQL_is_down_and_recover_after_it()
    {
        Assert.True(postgres.Server.CanRestart, "This test restarts PostgreSQL, so it needs the throwaway server (unset MESH_TEST_POSTGRES).");
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var cluster = await ProcessCluster.StartAsync(connectionString, silos: 2);
        try
        {
            await RunAsync(cluster);
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
        finally
        {
            await postgres.Server.EnsureRunningAsync();
        }
    }

    private async Task RunAsync(ProcessCluster cluster)
    {
        const string tenant = "outage";
        var warm = new List<LoadAgent>();
        var cold = new List<LoadAgent>();
        LoadAgent paused;
        using (var http = cluster.Operator())
        {
            await http.PublishPolicyAsync(tenant, TestPolicies.AllowAll);
            await http.IssueCredentialAsync($"{tenant}/gh");
            for (var i = 0; i < 16; i++)
            {
                var id = $"{tenant}/agent-{i}";
                (i % 2 == 0 ? warm : cold).Add(new LoadAgent(id, await http.RegisterAsync(id, $"{tenant}/gh"), $"{tenant}/gh"));
            }

            paused = warm[0];
            await http.PauseAgentAsync(paused.AgentId);
        }

        // A fresh cluster on the same database: only the agents the load touches are in memory.
        await cluster.RestartAllAsync(2);
        await using var gate = cluster.Gate();
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(60));
        paused.MustDenyFromNow();
        await using var load = DecisionLoad.Start(gate, warm, workers: 4);
        await Poll.UntilAsync(() => warm.Skip(1).All(a => a.LastAllowedAt > 0), Bounded, $"the warm agents allowed ({load.Summary()})");

        await postgres.Server.StopAsync();
        output.WriteLine($"PostgreSQL stopped after {load.Summary()}");

        // Decisions go on being answered, all denied: none can be recorded. (A batch committed just before the stop
        // may still allow a few, so the count is taken once the load has gone on for a while.)
        await load.WaitForProgressAsync(200, Bounded);
        var allowedWhileDown = load.Allowed;
        await load.WaitForProgressAsync(200, Bounded);
        Assert.Equal(allowedWhileDown, load.Allowed);
        Assert.Contains(ReasonCode.AuditUnavailable, load.Reasons);

        // An agent that is not in memory cannot be loaded: a deny, never an allow, and within the decision timeout.
        foreach (var agent in cold.Take(3))
        {
            var decision = await gate.CheckAsync(agent.Request());
            Assert.False(decision.IsAllowed, $"{agent.AgentId} was allowed while its state could not be read");
        }

        // An operator change cannot be made durable: it fails and is not acknowledged.
        using (var http = cluster.Operator())
        {
            using var response = await http.TryPauseAgentAsync(warm[1].AgentId);
            Assert.False(response.IsSuccessStatusCode, $"a pause was acknowledged while PostgreSQL was down ({(int)response.StatusCode})");
            Assert.True(response.StatusCode >= HttpStatusCode.InternalServerError, $"expected a server-side failure, got {(int)response.StatusCode}");
        }

        await postgres.Server.StartAgainAsync();
        output.WriteLine($"PostgreSQL started again after {load.Summary()}");

        // Everything that needs the database works again: cold agents load, operator changes are acknowledged.
        foreach (var agent in cold)
        {
            await Poll.UntilAsync(async () => (await gate.CheckAsync(agent.Request())).IsAllowed, Bounded, $"{agent.AgentId} allowed after the outage");
        }

        using (var http = cluster.Operator())
        {
            await Poll.UntilAsync(
                async () =>
                {
                    using var response = await http.TryPauseAgentAsync(warm[1].AgentId);
                    return response.IsSuccessStatusCode;
                },
                Bounded,
                "a pause acknowledged after the outage");
        }

        warm[1].MustDenyFromNow();
        Assert.Equal(ReasonCode.AgentPaused, (await gate.CheckAsync(warm[1].Request())).Reason);
        await Poll.UntilAsync(() => load.Allowed > allowedWhileDown, Bounded, $"allows again after the outage ({load.Summary()})");
        Assert.Empty(load.Violations);

        using (var http = cluster.Operator())
        {
            await http.CheckpointAuditAsync();
            var verification = await http.VerifyAuditAsync();
            Assert.True(verification.GetProperty("ok").GetBoolean(), verification.ToString());
        }
    }
}
