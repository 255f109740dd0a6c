using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Mesh.Contracts.Decisions;
using Mesh.Grains.Diagnostics;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Observability;

[Collection(ActivitySourceCollection.Name)]
public sealed class TracingTests
{
    private const string Policy = """
          - id: read
            effect: allow
            match:
              tools: [files]
          - id: pay
            effect: require_approval
            match:
              tools: [payments]
            approval:
              groups: [finance]
        """;

    [Fact]
    public async Task A_decision_is_a_span_with_its_effect_reason_tool_and_operation_and_none_of_its_secrets()
    {
        using var spans = new MeshSpans();
        await using var silo = await ObservedSilo.StartAsync();
        var scenario = new Scenario(silo.Grains, silo.Grains);
        await scenario.PublishAsync(TestPolicies.Of(Policy));
        var agent = await scenario.RegisterAsync("bot");
        var request = agent.Request("files", "read", "reports/q3-secret-target.csv") with
        {
            Arguments = """{"password": "pa55word-in-arguments"}""",
            Attributes = ImmutableDictionary<string, string>.Empty.Add("api_key", "s3cr3t-attribute"),
            Evidence = ImmutableDictionary<string, string>.Empty.Add("ticket", "s3cr3t-evidence"),
        };

        Assert.Equal(Effect.Allow, (await agent.DecideAsync(request)).Effect);

        var span = Assert.Single(spans.Named(MeshTelemetry.DecideActivity), s => s.GetTagItem("mesh.agent") as string == agent.AgentId);
        Assert.Equal("allow", span.GetTagItem("mesh.effect"));
        Assert.Equal("policy", span.GetTagItem("mesh.reason"));
        Assert.Equal("files", span.GetTagItem("mesh.tool"));
        Assert.Equal("read", span.GetTagItem("mesh.operation"));
        Assert.Equal("read", span.GetTagItem("mesh.rule"));
        Assert.Equal(ActivityStatusCode.Unset, span.Status);
        var values = string.Join("\n", span.TagObjects.Select(t => Convert.ToString(t.Value, System.Globalization.CultureInfo.InvariantCulture)));
        foreach (var secret in new[] { agent.Token, "reports/q3-secret-target.csv", "pa55word", "s3cr3t-attribute", "s3cr3t-evidence" })
        {
            Assert.DoesNotContain(secret, values, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_unauthenticated_decision_records_nothing_the_caller_sent()
    {
        using var spans = new MeshSpans();
        await using var silo = await ObservedSilo.StartAsync();
        var scenario = new Scenario(silo.Grains, silo.Grains);
        var agent = await scenario.RegisterAsync("bot");
        var tool = "probe-" + Guid.NewGuid().ToString("N")[..8];

        var denied = await agent.DecideAsync(agent.Request(tool, "read") with { AgentToken = "mesh_at_guess" });

        Assert.Equal(ReasonCode.BadToken, denied.Reason);
        Assert.Contains(spans.Named(MeshTelemetry.DecideActivity), s => s.GetTagItem("mesh.reason") as string == "bad_token");
        Assert.DoesNotContain(spans.All, s => s.TagObjects.Any(t => t.Value as string == tool || t.Value as string == agent.AgentId));
    }

    [Fact]
    public async Task Opening_an_approval_is_a_child_span_of_the_decision_and_a_revoke_is_a_span_with_its_receipt()
    {
        using var spans = new MeshSpans();
        await using var silo = await ObservedSilo.StartAsync();
        var scenario = new Scenario(silo.Grains, silo.Grains);
        await scenario.PublishAsync(TestPolicies.Of(Policy));
        await scenario.IssueCredentialAsync("c");
        var agent = await scenario.RegisterAsync("bot");

        var decision = await agent.DecideAsync("payments", "transfer", "acct-42");
        var receipt = (await scenario.Credential("c").Revoke("leaked")).Receipt!;

        Assert.Equal(Effect.RequireApproval, decision.Effect);
        var decide = Assert.Single(spans.Named(MeshTelemetry.DecideActivity), s => s.GetTagItem("mesh.agent") as string == agent.AgentId);
        var open = Assert.Single(spans.Named(MeshTelemetry.ApprovalOpenActivity), s => s.GetTagItem("mesh.approval.id") as string == decision.ApprovalId);
        Assert.Equal(decide.SpanId, open.ParentSpanId);
        Assert.Equal("require_approval", decide.GetTagItem("mesh.effect"));

        var publish = Assert.Single(spans.Named(MeshTelemetry.PublishActivity), s => s.GetTagItem("mesh.change.key") as string == "credential:" + scenario.Id("c") && Equals(s.GetTagItem("mesh.epoch"), receipt.Epoch));
        Assert.Equal("credential", publish.GetTagItem("mesh.change.kind"));
        Assert.Equal(true, publish.GetTagItem("mesh.complete"));
        Assert.Equal(receipt.SilosLive, publish.GetTagItem("mesh.silos.live"));
    }

    /// <summary>Every finished span of the <c>Mesh</c> source, all data recorded.</summary>
    private sealed class MeshSpans : IDisposable
    {
        private readonly ConcurrentQueue<Activity> _stopped = new();
        private readonly ActivityListener _listener;

        public MeshSpans()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == MeshTelemetry.Name,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = _stopped.Enqueue,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public IReadOnlyList<Activity> All => [.. _stopped];

        public IEnumerable<Activity> Named(string name) => _stopped.Where(a => a.OperationName == name);

        public void Dispose() => _listener.Dispose();
    }
}
