using System.Diagnostics.Metrics;
using Mesh.Contracts.Decisions;
using Mesh.Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Observability;

/// <summary>
/// The decision path records every decision; the recording itself must allocate nothing, with no listener (the
/// default: no exporter configured) and with one that takes the measurements. This measures the recording helpers
/// alone, on this thread, in bytes: never time.
/// </summary>
[Collection(ActivitySourceCollection.Name)]
public sealed class RecordingAllocationTests
{
    private static readonly ActionRequest Request = new()
    {
        RequestId = "req-1",
        AgentId = "acme/bot",
        AgentToken = "mesh_at_secret",
        Tool = "files",
        Operation = "read",
    };

    private static readonly Decision[] Answers =
    [
        Decision.Deny("req-1", ReasonCode.CredentialRevoked, "revoked", DateTimeOffset.UnixEpoch),
        new() { RequestId = "req-1", Effect = Effect.Allow, Reason = ReasonCode.Policy, Message = "ok", RuleId = "read" },
        new() { RequestId = "req-1", Effect = Effect.RequireApproval, Reason = ReasonCode.Policy, Message = "ask" },
    ];

    [Fact]
    public void Recording_a_decision_allocates_nothing_when_nobody_listens()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = Standalone.Metrics(services);

        Assert.Equal(0, AllocatedBy(metrics));
    }

    [Fact]
    public void Recording_a_decision_allocates_nothing_when_its_measurements_are_taken()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = Standalone.Metrics(services);
        long count = 0;
        double seconds = 0;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter == metrics.Meter)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => count += value);
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => seconds += value);
        listener.Start();

        Assert.Equal(0, AllocatedBy(metrics));
        Assert.True(count > 0 && seconds >= 0);
    }

    private static long AllocatedBy(MeshMetrics metrics)
    {
        Record(metrics, 10); // first calls (static initialisers, JIT) are not the steady state
        var before = GC.GetAllocatedBytesForCurrentThread();
        Record(metrics, 1_000);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static void Record(MeshMetrics metrics, int decisions)
    {
        for (var i = 0; i < decisions; i++)
        {
            var probe = metrics.StartDecision(Request);
            metrics.EndDecision(probe, Answers[i % Answers.Length]);
        }
    }
}
