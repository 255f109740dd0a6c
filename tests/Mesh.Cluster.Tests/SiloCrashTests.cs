using System.Diagnostics;
using Mesh.Client;
using Mesh.Cluster.Tests.Harness;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Decisions;
using Mesh.Grains.Audit;
using Mesh.Testing;
using Mesh.Testing.Postgres;
using Xunit.Abstractions;

namespace Mesh.Cluster.Tests;

/// <summary>
/// Three silo processes on PostgreSQL with decisions running: one is killed with SIGKILL, then every process is
/// killed and the cluster started again. Nothing acknowledged may be lost and nothing denied may be allowed; every
/// decision a runtime received has its audit record, and every chain verifies afterwards.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloCrashTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Bounded = TimeSpan.FromSeconds(90);

    [PostgresFact]
    public async Task A_killed_silo_and_a_full_restart_lose_no_acknowledged_change()
    {
        var connectionString = await postgres.Server.CreateDatabaseAsync();
        await using var cluster = await ProcessCluster.StartAsync(connectionString, silos: 1);
        try
        {
            await RunAsync(cluster, connectionString);
        }
        catch
        {
            output.WriteLine(cluster.Output());
            throw;
        }
    }

    private async Task RunAsync(ProcessCluster cluster, string connectionString)
    {
        var received = new List<ReceivedDecision>();
        long killedAt;
        const string tenant = "crash";
        var world = await World.CreateAsync(cluster, tenant, agents: 48);
        var first = cluster.Silos[0];

        await using (var gate = cluster.Gate())
        {
            await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(60));
            await world.ExpectEveryHealthyAgentAllowedAsync(gate, "before any fault");

            await using var load = DecisionLoad.Start(gate, world.Agents);
            await load.WaitForProgressAsync(300, Bounded);

            // Operator changes acknowledged under load: each returns only once every live silo applied it.
            await world.MakeChangesAsync(cluster);
            await load.WaitForProgressAsync(300, Bounded);

            // SIGKILL the first silo, which hosts the control plane and the credential about to be revoked (the change's
            // owner, see World.CreateAsync) and a third of the agents, while the revoke is in flight, and while every silo's audit writer is blocked in the middle of a batch:
            // the killed silos lose the records they had not written. In durable mode none of their decisions had been
            // answered; were decisions acknowledged before their records are durable, the runtime would hold answers
            // the store never sees, and the audit check at the end fails.
            List<SiloNode> victims = [first];
            var survivor = cluster.Live.Except(victims).First();
            Task revoke;
            await using (var held = await AuditWriteLock.TakeAsync(connectionString))
            {
                await held.WaitUntilBlockedAsync(cluster.Live, Bounded);
                revoke = world.RevokeUntilReturnedAsync(cluster, survivor);
                foreach (var victim in victims)
                {
                    cluster.Kill(victim);
                }

                killedAt = Stopwatch.GetTimestamp();
            }

            output.WriteLine($"killed {string.Join(", ", victims.Select(v => v.Name))} after {load.Summary()}");
            await revoke.WaitAsync(Bounded);

            // The load goes on after a bounded pause: every healthy agent is allowed again (re-activated on a
            // survivor with its state, its rotated token included).
            await Poll.UntilAsync(() => world.Healthy.All(a => a.LastAllowedAt > killedAt), Bounded, $"every healthy agent allowed after the kill ({load.Summary()})");
            output.WriteLine($"after the kill: {load.Summary()}, back after {Stopwatch.GetElapsedTime(killedAt).TotalSeconds:0.0} s");
            await load.WaitForProgressAsync(300, Bounded);
            Assert.Empty(load.Violations);
            await load.DisposeAsync();
            received.AddRange(load.Received);
        }

        await using (var gate = cluster.Gate())
        {
            await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(60));
            await world.ExpectChangesHeldAsync(gate, "after the kill");
        }

        // Every process killed, a new cluster started on the same database: all state is still there.
        await cluster.RestartAllAsync(3);
        await using (var gate = cluster.Gate())
        {
            await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(60));
            await world.ExpectEveryHealthyAgentAllowedAsync(gate, "after restarting every process");
            await world.ExpectChangesHeldAsync(gate, "after restarting every process");
        }

        using var http = cluster.Operator();
        var paused = await http.GetAgentAsync(world.Paused[0].AgentId);
        Assert.Equal("Paused", paused.GetProperty("status").GetString(), ignoreCase: true);

        // The audit trail: every decision a runtime received (durable mode) is in the store as it was answered (its
        // record says what the runtime was told, for the request it sent), and no chain forked or broke when the killed
        // silo's agents moved, or when every process restarted. Comparing ids alone is not enough: a record lost in a
        // crash leaves its sequence number free, and the recovered chain gives it to the next decision.
        var stored = await StoredAuditRecordsAsync(connectionString);
        Assert.True(stored.Problems.Count == 0, $"{stored.Problems.Count} audit chain problems, e.g. {string.Join("; ", stored.Problems.Take(5))}");
        var beforeKill = received.Count(r => r.ReceivedAt < killedAt);
        output.WriteLine($"{received.Count} decisions received with an audit id ({beforeKill} before the SIGKILL), {stored.Records.Count} records stored");
        Assert.True(received.Count > 600, $"only {received.Count} decisions carried an audit id");
        Assert.True(beforeKill > 300, $"only {beforeKill} decisions were answered before the SIGKILL");
        var mismatches = received.Select(r => Mismatch(r, stored.Records)).OfType<string>().ToList();
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {received.Count} decisions a runtime received are not in the audit store as answered, e.g. {string.Join("; ", mismatches.Take(5))}");
        await http.CheckpointAuditAsync();
        var verification = await http.VerifyAuditAsync();
        Assert.True(verification.GetProperty("ok").GetBoolean(), verification.ToString());
    }

    // Null when the stored record says what the runtime received; else what differs.
    private static string? Mismatch(ReceivedDecision received, IReadOnlyDictionary<string, AuditRecord> stored)
    {
        var (request, decision) = (received.Request, received.Decision);
        if (!stored.TryGetValue(decision.AuditId!, out var record))
        {
            return $"{decision.AuditId} ({request.RequestId}) is missing";
        }

        if (decision.Reason == ReasonCode.BadToken)
        {
            // A wrong token's refusal is recorded as a counted placeholder, without the caller's request id or text.
            var placeholder = (record.Kind, record.RequestId, record.AgentId, record.Actor, record.Reason, record.Request);
            return placeholder == (AuditKind.Decision, null, request.AgentId, "unauthenticated", "bad_token", null) ? null : $"{decision.AuditId}: bad_token stored as {placeholder}";
        }

        var expected = (AuditKind.Decision, request.RequestId, request.AgentId, decision.Effect.ToWire(), decision.Reason.ToWire(), decision.PolicyVersion == 0 ? (long?)null : decision.PolicyVersion, decision.Message, decision.RuleId);
        var actual = (record.Kind, record.RequestId, record.AgentId, record.Effect, record.Reason, record.PolicyVersion, record.Message, record.RuleId);
        return expected == actual ? null : $"{decision.AuditId}: received {expected}, stored {actual}";
    }

    // Every stored record decoded from its body (the columns beside it are copies, not trusted), with each stream's
    // chain checked: sequences without gaps, each body's hash, each record naming its predecessor's hash.
    private static async Task<(Dictionary<string, AuditRecord> Records, List<string> Problems)> StoredAuditRecordsAsync(string connectionString)
    {
        var records = new Dictionary<string, AuditRecord>(StringComparer.Ordinal);
        var problems = new List<string>();
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT stream, seq, hash, body FROM audit_records ORDER BY stream, seq", connection);
        await using var reader = await command.ExecuteReaderAsync();
        string? stream = null;
        var previousHash = AuditText.GenesisHash;
        long previousSeq = 0;
        while (await reader.ReadAsync())
        {
            var (rowStream, seq, hash, body) = (reader.GetString(0), reader.GetInt64(1), (byte[])reader[2], (byte[])reader[3]);
            if (rowStream != stream)
            {
                // A stream starts at 1, linked to the genesis hash.
                (stream, previousHash, previousSeq) = (rowStream, AuditText.GenesisHash, 0);
            }

            var record = AuditCodec.Decode(body);
            var id = $"{rowStream}#{seq}";
            if (record.Stream != rowStream || record.Sequence != seq || seq != previousSeq + 1)
            {
                problems.Add($"{id}: body names {record.Stream}#{record.Sequence}, previous row was #{previousSeq}");
            }

            if (!AuditCodec.Hash(body).AsSpan().SequenceEqual(hash) || record.PreviousHash != previousHash)
            {
                problems.Add($"{id}: hash or link to the previous record does not match");
            }

            records[id] = record;
            (previousHash, previousSeq) = (Convert.ToHexStringLower(hash), seq);
        }

        return (records, problems);
    }

    /// <summary>The agents of the test and the changes made to them.</summary>
    private sealed class World
    {
        private readonly List<(LoadAgent Agent, string OldToken)> _rotated = [];

        private const string Doomed = "crash/doomed";

        private World(List<LoadAgent> agents) => Agents = agents;

        public List<LoadAgent> Agents { get; }

        public List<LoadAgent> Paused { get; } = [];

        public List<LoadAgent> Revoked { get; } = [];

        public IEnumerable<LoadAgent> Healthy => Agents.Except(Paused).Except(Revoked);

        /// <summary>
        /// Issues the credentials while the cluster has one silo, so the control plane and the credentials are
        /// activated there (Orleans moves no activation while its silo lives: this cluster runs no rebalancer), then
        /// starts two more silos and registers the agents through all three, spreading them over the cluster.
        /// </summary>
        public static async Task<World> CreateAsync(ProcessCluster cluster, string tenant, int agents)
        {
            Assert.Single(cluster.Silos);
            using (var first = cluster.Operator())
            {
                await first.PublishPolicyAsync(tenant, TestPolicies.AllowAll);
                await first.IssueCredentialAsync($"{tenant}/gh");
                await first.IssueCredentialAsync(Doomed);
            }

            await cluster.AddSilosAsync(2);
            var operators = cluster.Silos.Select(cluster.Operator).ToList();
            var list = new List<LoadAgent>();
            for (var i = 0; i < agents; i++)
            {
                var credential = i % 4 == 3 ? Doomed : $"{tenant}/gh";
                var id = $"{tenant}/agent-{i}";
                list.Add(new LoadAgent(id, await operators[i % operators.Count].RegisterAsync(id, credential), credential));
            }

            operators.ForEach(o => o.Dispose());

            return new World(list);
        }

        public async Task MakeChangesAsync(ProcessCluster cluster)
        {
            using var http = cluster.Operator();
            foreach (var agent in Agents.Where(a => a.Credential.EndsWith("/gh", StringComparison.Ordinal)).Take(6))
            {
                AssertComplete(await http.PauseAgentAsync(agent.AgentId));
                agent.MustDenyFromNow();
                Paused.Add(agent);
            }

            foreach (var agent in Healthy.Where(a => a.Credential != Doomed).Take(8).ToList())
            {
                var old = agent.Token;
                agent.Token = await http.RotateTokenAsync(agent.AgentId);
                _rotated.Add((agent, old));
            }
        }

        /// <summary>
        /// Revokes the doomed credential through <paramref name="survivor"/>, retrying (as an operator would) while the
        /// silos hosting it die, until a call returns a receipt; from then on its agents must be denied.
        /// </summary>
        public async Task RevokeUntilReturnedAsync(ProcessCluster cluster, SiloNode survivor)
        {
            using var http = cluster.Operator(survivor);
            System.Text.Json.JsonElement? info = null;
            await Poll.UntilAsync(
                async () =>
                {
                    try
                    {
                        info = await http.RevokeCredentialAsync(Doomed);
                        return true;
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        return false;
                    }
                },
                Bounded,
                "a revoke that returns");

            // A silo that died during the change is either counted as gone or listed unconfirmed: never a silent success.
            var receipt = info!.Value.GetProperty("receipt");
            var unconfirmed = receipt.GetProperty("unconfirmed").GetArrayLength();
            Assert.True(receipt.GetProperty("complete").GetBoolean() || unconfirmed > 0, $"an incomplete receipt lists no unconfirmed silo: {receipt}");
            foreach (var agent in Agents.Where(a => a.Credential == Doomed))
            {
                agent.MustDenyFromNow();
                Revoked.Add(agent);
            }
        }

        public async Task ExpectEveryHealthyAgentAllowedAsync(MeshGate gate, string when)
        {
            foreach (var agent in Healthy)
            {
                var decision = await DecideUntilAnsweredAsync(gate, agent.Request());
                Assert.True(decision.IsAllowed, $"{when}: {agent.AgentId} was denied {decision.Reason}: {decision.Message}");
            }
        }

        public async Task ExpectChangesHeldAsync(MeshGate gate, string when)
        {
            foreach (var agent in Paused)
            {
                Assert.Equal(ReasonCode.AgentPaused, (await DecideUntilAnsweredAsync(gate, agent.Request())).Reason);
            }

            foreach (var agent in Revoked)
            {
                Assert.Equal(ReasonCode.CredentialRevoked, (await DecideUntilAnsweredAsync(gate, agent.Request())).Reason);
            }

            foreach (var (agent, oldToken) in _rotated)
            {
                var request = agent.Request() with { AgentToken = oldToken };
                Assert.Equal(ReasonCode.BadToken, (await DecideUntilAnsweredAsync(gate, request)).Reason);
                Assert.True((await DecideUntilAnsweredAsync(gate, agent.Request())).IsAllowed, $"{when}: {agent.AgentId}'s rotated token is refused");
            }
        }

        // A decision the mesh made (not the SDK's own fail-closed deny while a silo is being declared dead).
        private static async Task<Decision> DecideUntilAnsweredAsync(MeshGate gate, Mesh.Contracts.Decisions.ActionRequest request)
        {
            Decision? answer = null;
            await Poll.UntilAsync(
                async () =>
                {
                    answer = await gate.CheckAsync(request with { RequestId = Guid.NewGuid().ToString("N") });
                    return answer.Reason is not (ReasonCode.MeshUnavailable or ReasonCode.ControlPlaneStale);
                },
                Bounded,
                $"an answer from the mesh for {request.AgentId}");
            return answer!;
        }

        private static void AssertComplete(System.Text.Json.JsonElement info)
        {
            var receipt = info.GetProperty("receipt");
            Assert.True(receipt.GetProperty("complete").GetBoolean(), $"the change was not confirmed by every live silo: {receipt}");
        }
    }
}
