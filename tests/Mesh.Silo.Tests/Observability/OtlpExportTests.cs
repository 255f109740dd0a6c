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
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

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
