using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Mesh.Contracts.Decisions;
using Mesh.Grains.Diagnostics;
using Mesh.Silo.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace Mesh.Silo.Tests.Observability;

/// <summary>The silo exports over OTLP (HTTP/protobuf here) once an endpoint is configured, and only then.</summary>
[Collection(ActivitySourceCollection.Name)]
public sealed class OtlpExportTests
{
    private static readonly TimeSpan ExportDeadline = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task With_an_endpoint_the_silo_exports_mesh_metrics_and_decision_spans_as_service_mesh_silo()
    {
        using var collector = new OtlpCollector();
        await using var silo = await ObservedSilo.StartAsync(
            null,
            "--Mesh:Telemetry:OtlpEndpoint", collector.Endpoint,
            "--Mesh:Telemetry:OtlpProtocol", "http/protobuf",
            "--Mesh:Telemetry:DecisionSampleRatio", "1",
            "--OTEL_METRIC_EXPORT_INTERVAL", "200",
            "--OTEL_BSP_SCHEDULE_DELAY", "200");
        var scenario = new Scenario(silo.Grains, silo.Grains);
        await scenario.PublishAsync(TestPolicies.AllowAll);
        var agent = await scenario.RegisterAsync("bot");
        Assert.Equal(Effect.Allow, (await agent.DecideAsync("files", "read", "reports/q3.csv")).Effect);

        // Exports every 200 ms; the generous deadline is for a CI machine running every test assembly on two cores.
        await Poll.UntilAsync(() => collector.Received("/v1/metrics", MeshTelemetry.Decisions), ExportDeadline, () => $"mesh.decisions to be exported (received: {collector.Summary()})");
        await Poll.UntilAsync(() => collector.Received("/v1/traces", MeshTelemetry.DecideActivity), ExportDeadline, () => $"a mesh.decide span to be exported (received: {collector.Summary()})");
        Assert.True(collector.Received("/v1/metrics", MeshTelemetryExtensions.ServiceName));
        // service.instance.id: the silo's address, as fleet receipts name silos.
        Assert.True(collector.Received("/v1/metrics", silo.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString()));
        Assert.True(collector.Received("/v1/metrics", MeshTelemetry.ControlViewEpoch));
        Assert.True(collector.Received("/v1/traces", agent.AgentId));
        Assert.False(collector.Received("/v1/traces", agent.Token));
    }

    [Fact]
    public async Task Without_an_endpoint_nothing_listens_to_mesh_instruments()
    {
        await using var silo = await ObservedSilo.StartAsync();

        // OpenTelemetry would be the only listener here (the tests that attach their own run apart from this one).
        var enabled = new List<string>();
        using var probe = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (instrument.Meter == silo.Metrics.Meter && instrument.Enabled)
                {
                    enabled.Add(instrument.Name);
                }
            },
        };
        probe.Start();

        Assert.Empty(enabled);
        Assert.False(MeshTelemetry.Source.HasListeners());
    }

    [Fact]
    public void Unusable_telemetry_settings_stop_the_silo_from_starting_with_a_message_naming_them()
    {
        var ex = Assert.Throws<MeshStartupException>(() => MeshSiloHost.Build(["--Mesh:Telemetry:OtlpEndpoint", "collector:4317", "--Mesh:Telemetry:DecisionSampleRatio", "2"]));
        Assert.Contains("Mesh:Telemetry:OtlpEndpoint", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Mesh:Telemetry:DecisionSampleRatio", ex.Message, StringComparison.Ordinal);
    }
}
