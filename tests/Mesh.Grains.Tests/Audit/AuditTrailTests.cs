using System.Collections.Immutable;
using System.Text;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Decisions;
using Mesh.Grains.Audit;
using Mesh.Grains.Hosting;
using Mesh.Testing;

namespace Mesh.Grains.Tests.Audit;

/// <summary>What the audit trail records, on a real two-silo cluster (the store is the cluster's in-process one).</summary>
[Collection(ClusterCollection.Name)]
public sealed class AuditTrailTests(MeshCluster mesh)
{
    private const string ApprovalPolicy = """
          - id: payments
            effect: require_approval
            match:
              tools: [payments]
            approval:
              groups: [finance]
              quorum: 1
              expires_after: 1h
          - id: files
            effect: allow
            match:
              tools: [files]
        """;

    [Fact]
    public async Task Every_decision_is_recorded_before_it_returns_and_its_stream_verifies()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of(ApprovalPolicy));
        var agent = await scenario.RegisterAsync("bot");

        var allowed = await agent.DecideAsync("files", "read", "/etc/motd");
        var denied = await agent.DecideAsync("shell", "exec", "rm -rf /");
        await mesh.Cluster.DeactivateAsync(agent.Runtime);
        var afterMove = await agent.DecideAsync("files", "read", "/tmp/x");

        Assert.Equal($"{agent.AgentId}#1", allowed.AuditId);
        Assert.Equal($"{agent.AgentId}#2", denied.AuditId);
        // A new activation reads the head from the store and goes on: no fork, no repeated number.
        Assert.Equal($"{agent.AgentId}#3", afterMove.AuditId);
        var records = await RecordsAsync(agent.AgentId);
        Assert.Equal([1L, 2L, 3L], records.Select(r => r.Sequence));
        var first = records[0];
        Assert.Equal(AuditKind.Decision, first.Kind);
        Assert.Equal("allow", first.Effect);
        Assert.Equal("files", first.RuleId);
        Assert.Equal(allowed.PolicyVersion, first.PolicyVersion);
        Assert.Equal("/etc/motd", first.Request!.Target);
        Assert.Equal(allowed.RequestId, first.RequestId);
        Assert.Equal("default", records[1].Reason);
        Assert.Equal(AuditText.GenesisHash, first.PreviousHash);
        Assert.Equal(Hex(records[0]), records[1].PreviousHash);

        var verification = await mesh.SiloService<AuditVerifier>().VerifyAsync(agent.AgentId, CancellationToken.None);
        Assert.True(verification.Ok, string.Join("; ", verification.Problems.Select(p => p.Message)));
        Assert.Equal(3, verification.Records);
    }

    [Fact]
    public async Task A_reported_outcome_joins_the_agents_stream_linked_to_its_decision()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");
        var decision = await agent.DecideAsync("git", "push", "main");
        Assert.Equal(Effect.Allow, decision.Effect);

        var receipt = await agent.Runtime.ReportOutcome(new OutcomeReport
        {
            RequestId = decision.RequestId,
            AgentId = agent.AgentId,
            AgentToken = agent.Token,
            Success = true,
            Changes = "pushed 3 commits to main",
            UndoHandle = "git revert abc123..def456",
        });

        Assert.True(receipt.Accepted);
        var outcome = (await RecordsAsync(agent.AgentId)).Single(r => r.Id == receipt.AuditId);
        Assert.Equal(AuditKind.Outcome, outcome.Kind);
        Assert.Equal(decision.AuditId, outcome.DecisionId);
        Assert.Equal(decision.RequestId, outcome.RequestId);
        Assert.Equal("git revert abc123..def456", outcome.Detail["undo_handle"]);
        Assert.Equal("pushed 3 commits to main", outcome.Detail["changes"]);
    }

    [Fact]
    public async Task Approvals_and_operator_actions_are_recorded_in_the_tenant_stream_with_actor_and_receipt()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.Of(ApprovalPolicy));
        await scenario.IssueCredentialAsync("bank");
        var agent = await scenario.RegisterAsync("bot", Registrations.With(credentials: [scenario.Id("bank")]));
        var request = agent.Request("payments", "transfer", "acct-1");
        var asked = await agent.DecideAsync(request);
        await mesh.Operator.GetGrain<IApprovalGrain>(asked.ApprovalId!).Vote(new ApprovalVote { ApproverId = "bob", ApproverGroups = ["finance"], Approve = true, Comment = "fine" });
        var allowed = await agent.DecideAsync(request with { ApprovalId = asked.ApprovalId });
        RequestContext.Clear();
        OperatorActor.Set("oncall@acme");
        try
        {
            await scenario.Credential("bank").Revoke("leaked in a log");
        }
        finally
        {
            RequestContext.Clear();
        }

        Assert.Equal(Effect.Allow, allowed.Effect);
        var tenant = await RecordsAsync(scenario.Tenant);
        Assert.Equal(
            [AuditKind.PolicyChange, AuditKind.OperatorAction, AuditKind.OperatorAction, AuditKind.ApprovalOpened, AuditKind.ApprovalVote, AuditKind.ApprovalConsumed, AuditKind.OperatorAction],
            tenant.Select(r => r.Kind));
        var vote = tenant.Single(r => r.Kind == AuditKind.ApprovalVote);
        Assert.Equal("bob", vote.Actor);
        Assert.Equal("approve", vote.Detail["vote"]);
        Assert.Equal(asked.ApprovalId, vote.ApprovalId);
        var revoke = tenant[^1];
        Assert.Equal("oncall@acme", revoke.Actor);
        Assert.Equal("credential.revoke", revoke.Detail["action"]);
        Assert.Equal("leaked in a log", revoke.Detail["reason"]);
        Assert.Equal("true", revoke.Detail["receipt.complete"]);
        Assert.Equal("2", revoke.Detail["receipt.silos_live"]);
    }

    [Fact]
    public async Task Secrets_and_tokens_never_reach_the_store()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync("""
            apiVersion: mesh/v1
            kind: Policy
            audit:
              arguments: keep
              secrets: [iban]
            rules:
              - id: pay
                effect: allow
                match:
                  tools: [payments]
            """);
        var agent = await scenario.RegisterAsync("bot");
        const string Iban = "DE89370400440532013000";
        const string Password = "hunter2-correct-horse";
        const string Bearer = "eyJhbGciOiJIUzI1NiJ9.secret-bearer";
        var request = agent.Request("payments", "transfer", "acct-1") with
        {
            Attributes = ImmutableDictionary<string, string>.Empty.Add("iban", Iban).Add("api_token", Bearer).Add("amount", "950"),
            Arguments = "{\"amount\": 950, \"to\": {\"iban\": \"" + Iban + "\"}, \"auth\": {\"password\": \"" + Password + "\"}}",
        };

        var decision = await agent.DecideAsync(request);
        var badToken = await agent.Runtime.Decide(request with { RequestId = Ids.Request(), AgentToken = "wrong-" + Password });

        Assert.Equal(Effect.Allow, decision.Effect);
        Assert.Equal(ReasonCode.BadToken, badToken.Reason);
        var rows = await RowsAsync(agent.AgentId);
        var everything = string.Join("\n", rows.Select(r => Encoding.UTF8.GetString(r.Body)));
        Assert.DoesNotContain(agent.Token, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Iban, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(Bearer, everything, StringComparison.Ordinal);
        var recorded = AuditCodec.Decode(rows[0].Body).Request!;
        Assert.Equal(AuditText.HashSecret(Iban), recorded.Attributes["iban"]);
        Assert.Equal(AuditText.HashSecret(Bearer), recorded.Attributes["api_token"]);
        Assert.Equal("950", recorded.Attributes["amount"]);
        Assert.Contains("\"amount\":950", recorded.Arguments, StringComparison.Ordinal);
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task A_caller_with_a_wrong_token_writes_only_a_counted_placeholder_into_the_agents_chain()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");
        const string Chosen = "attacker-chosen-text";

        for (var i = 0; i < 5; i++)
        {
            var refused = await agent.Runtime.Decide(agent.Request(Chosen + "-tool", Chosen + "-op", Chosen + "/target") with { RequestId = Chosen + i, AgentToken = "mesh_at_wrong" });
            Assert.Equal(ReasonCode.BadToken, refused.Reason);
        }

        mesh.Clock.Advance(TimeSpan.FromMinutes(2));
        await agent.Runtime.Decide(agent.Request("x", "y", "z") with { AgentToken = "mesh_at_wrong" });

        var records = await RecordsAsync(agent.AgentId);
        var everything = string.Join("\n", (await RowsAsync(agent.AgentId)).Select(r => Encoding.UTF8.GetString(r.Body)));
        Assert.DoesNotContain(Chosen, everything, StringComparison.Ordinal);
        // One placeholder for the first refusal, then one for the five that followed within the interval.
        Assert.Equal(["1", "5"], records.Select(r => r.Detail["refused"]));
        Assert.All(records, r => Assert.Equal(("unauthenticated", "bad_token", null), (r.Actor, r.Reason, r.Request)));
        Assert.Equal(AuditText.GenesisHash, records[0].PreviousHash);
        Assert.Equal(Hex(records[0]), records[1].PreviousHash);
    }

    [Fact]
    public async Task While_the_store_fails_decisions_deny_and_the_chain_has_no_gap_afterwards()
    {
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");
        var before = await agent.DecideAsync("files", "read", "a");

        Decision during;
        Decision afterMoveDuring;
        mesh.AuditStore.Outage = new IOException("disk unplugged");
        try
        {
            during = await agent.DecideAsync("files", "read", "b");
            // A new activation cannot even read its stream's head: denied too, and it must try again afterwards.
            await mesh.Cluster.DeactivateAsync(agent.Runtime);
            afterMoveDuring = await agent.DecideAsync("files", "read", "b2");
        }
        finally
        {
            mesh.AuditStore.Outage = null;
        }

        var after = await agent.DecideAsync("files", "read", "c");

        Assert.Equal(Effect.Allow, before.Effect);
        Assert.Equal(Effect.Deny, during.Effect);
        Assert.Equal(ReasonCode.AuditUnavailable, during.Reason);
        Assert.Null(during.AuditId);
        Assert.Equal(ReasonCode.AuditUnavailable, afterMoveDuring.Reason);
        Assert.Equal(Effect.Allow, after.Effect);
        Assert.Equal($"{agent.AgentId}#2", after.AuditId);
        var verification = await mesh.SiloService<AuditVerifier>().VerifyAsync(agent.AgentId, CancellationToken.None);
        Assert.True(verification.Ok, string.Join("; ", verification.Problems.Select(p => p.Message)));
    }

    private async Task<List<AuditRow>> RowsAsync(string stream)
    {
        var rows = new List<AuditRow>();
        await foreach (var row in mesh.AuditStore.ReadChainsAsync(stream, CancellationToken.None))
        {
            rows.Add(row);
        }

        return rows;
    }

    private async Task<List<AuditRecord>> RecordsAsync(string stream) =>
        [.. (await RowsAsync(stream)).Select(r => AuditCodec.Decode(r.Body))];

    private static string Hex(AuditRecord record) => AuditRow.From(record).HashHex;
}
