using Mesh.Contracts.Decisions;
using Mesh.Grains.Diagnostics;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Observability;

public sealed class DecisionMetricsTests
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
    public async Task Every_decision_is_counted_once_by_effect_and_reason_and_timed_once()
    {
        await using var silo = await ObservedSilo.StartAsync();
        using var measurements = new MeshMeasurements(silo.Metrics.Meter);
        var scenario = new Scenario(silo.Grains, silo.Grains);
        await scenario.PublishAsync(TestPolicies.Of(Policy));
        await scenario.IssueCredentialAsync("c");
        var agent = await scenario.RegisterAsync("bot", Registrations.With(credentials: [scenario.Id("c")]));

        var answers = new List<Decision>
        {
            await agent.DecideAsync("files", "read", "reports/q3.csv"),
            await agent.DecideAsync("shell", "exec", "ls"),
            await agent.DecideAsync("payments", "transfer", "acct-42"),
            await agent.DecideAsync(agent.Request("files", "read", "reports/q3.csv") with { AgentToken = "mesh_at_wrong" }),
        };
        await scenario.Credential("c").Revoke("leaked");
        answers.Add(await agent.DecideAsync("files", "read", "reports/q3.csv", scenario.Id("c")));

        Assert.Equal(
            ["allow/policy", "deny/default", "require_approval/policy", "deny/bad_token", "deny/credential_revoked"],
            answers.Select(a => $"{MeshTelemetry.EffectName(a.Effect)}/{a.Reason.ToWire()}"));
        var counted = measurements.Of(MeshTelemetry.Decisions);
        Assert.Equal(
            answers.Select(a => $"{MeshTelemetry.EffectName(a.Effect)}/{a.Reason.ToWire()}").Order(),
            counted.Select(c => $"{c.Tag("effect")}/{c.Tag("reason")}").Order());
        Assert.All(counted, c => Assert.Equal(1, c.Value));
        // Bounded tags only: no tenant, agent, credential or tool.
        Assert.All(counted, c => Assert.Equal(["effect", "reason"], c.Tags.Keys.Order()));

        var timed = measurements.Of(MeshTelemetry.DecisionDuration);
        Assert.Equal(counted.Select(c => $"{c.Tag("effect")}/{c.Tag("reason")}").Order(), timed.Select(t => $"{t.Tag("effect")}/{t.Tag("reason")}").Order());
        Assert.All(timed, t => Assert.True(t.Value >= 0));
    }

    [Fact]
    public void The_decision_propagation_and_audit_write_histograms_are_in_seconds_with_buckets_for_microseconds_to_seconds()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = Standalone.Metrics(services);
        var histograms = new List<System.Diagnostics.Metrics.Histogram<double>>();
        using var listener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter == metrics.Meter && instrument is System.Diagnostics.Metrics.Histogram<double> histogram)
                {
                    histograms.Add(histogram);
                }
            },
        };
        listener.Start();

        Assert.Equal([MeshTelemetry.AuditWriteDuration, MeshTelemetry.ControlPropagation, MeshTelemetry.DecisionDuration], histograms.Select(h => h.Name).Order());
        Assert.All(histograms, h => Assert.Equal("s", h.Unit));
        var decision = histograms.Single(h => h.Name == MeshTelemetry.DecisionDuration).Advice!.HistogramBucketBoundaries!;
        Assert.True(decision[0] <= 0.000_01 && decision[^1] >= 1);
        var propagation = histograms.Single(h => h.Name == MeshTelemetry.ControlPropagation).Advice!.HistogramBucketBoundaries!;
        Assert.True(propagation[0] <= 0.001 && propagation[^1] >= 10);
        var audit = histograms.Single(h => h.Name == MeshTelemetry.AuditWriteDuration).Advice!.HistogramBucketBoundaries!;
        Assert.True(audit[0] <= 0.000_1 && audit[^1] >= 1);
    }
}
