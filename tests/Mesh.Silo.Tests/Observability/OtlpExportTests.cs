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

    /// <summary>An OTLP/HTTP receiver on loopback that keeps every request body by path.</summary>
    private sealed class FakeCollector : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<(string Path, byte[] Body)> _requests = new();

        public FakeCollector()
        {
            var port = FreePorts.Take(1)[0];
            Endpoint = $"http://127.0.0.1:{port}";
            _listener.Prefixes.Add(Endpoint + "/");
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string Endpoint { get; }

        public bool Received(string path, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            return _requests.Any(r => r.Path == path && r.Body.AsSpan().IndexOf(bytes) >= 0);
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                _requests.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));
                // An empty protobuf message is a valid (full-success) export response.
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
