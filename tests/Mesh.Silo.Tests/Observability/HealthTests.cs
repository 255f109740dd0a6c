using System.Net;
using System.Text.Json;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Hosting;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Mesh.Silo.Tests.Observability;

public sealed class HealthTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Liveness_and_readiness_answer_200_without_a_token_once_the_silo_is_ready()
    {
        await using var silo = await ObservedSilo.StartAsync();
        using var http = silo.Http();

        using var live = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("healthy", (await JsonAsync(live)).GetProperty("status").GetString());

        await Poll.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, Deadline, "/readyz to answer 200");
        using var ready = await http.GetAsync("/readyz");
        var body = await JsonAsync(ready);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("control_plane_view").GetProperty("status").GetString());
        Assert.Equal("application/json", ready.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Readiness_is_503_until_the_control_plane_view_is_loaded()
    {
        var cutOff = new SyncCutOff { Cut = true };
        await using var silo = await ObservedSilo.StartAsync(cutOff.Install);
        using var http = silo.Http();

        // The silo has started (its HTTP server answers) but cannot load its view.
        using var live = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        await Poll.UntilAsync(() => cutOff.Refused > 0, Deadline, "the silo to try to load its view");
        using var notReady = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        var body = await JsonAsync(notReady);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("healthy", body.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
        var view = body.GetProperty("checks").GetProperty("control_plane_view");
        Assert.Equal("unhealthy", view.GetProperty("status").GetString());
        Assert.Contains("not loaded", view.GetProperty("detail").GetString(), StringComparison.Ordinal);

        cutOff.Cut = false;
        await Poll.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, Deadline, "/readyz to answer 200 once the view loads");
    }

    [Fact]
    public async Task Readiness_is_503_while_the_view_is_stale_and_200_again_once_it_is_confirmed()
    {
        var leaseClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var cutOff = new SyncCutOff();
        await using var silo = await ObservedSilo.StartAsync(
            builder =>
            {
                cutOff.Install(builder);
                builder.Services.Configure<MeshGrainOptions>(o => o.LeaseTimeProvider = leaseClock);
            },
            "--Mesh:ControlPlane:Lease", "00:00:05");
        using var http = silo.Http();
        await Poll.UntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, Deadline, "/readyz to answer 200");

        // Cut off from the control plane; the lease runs out.
        cutOff.Cut = true;
        leaseClock.Advance(TimeSpan.FromSeconds(5) + TimeSpan.FromTicks(1));
        Assert.False(silo.Services.GetRequiredService<SiloControlView>().IsCurrent());
        using var stale = await http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, stale.StatusCode);
        var view = (await JsonAsync(stale)).GetProperty("checks").GetProperty("control_plane_view");
        Assert.Equal("unhealthy", view.GetProperty("status").GetString());
        Assert.Contains("within its lease", view.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Liveness is about the process, not the view: restarting would not help.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);

        cutOff.Cut = false;
        await Poll.UntilAsync(
            async () =>
            {
                leaseClock.Advance(TimeSpan.FromSeconds(1));
                return (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK;
            },
            Deadline,
            "/readyz to answer 200 once the view is confirmed again");
    }

    [Fact]
    public async Task A_stopping_silo_is_not_ready()
    {
        var silo = await ObservedSilo.StartAsync();
        await using (silo)
        {
            var health = silo.Services.GetRequiredService<HealthCheckService>();
            await Poll.UntilAsync(async () => (await health.CheckHealthAsync()).Status == HealthStatus.Healthy, Deadline, "the silo to be ready");

            await silo.StopAsync();

            var report = await health.CheckHealthAsync();
            Assert.Equal(HealthStatus.Unhealthy, report.Entries["silo"].Status);
            Assert.Contains("stopping", report.Entries["silo"].Description, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Probes_ignore_tokens_and_neither_count_toward_nor_are_refused_by_the_failed_authentication_throttle()
    {
        await using var silo = await ObservedSilo.StartAsync(null, "--Mesh:FreeAuthFailures", "2");
        using var guessing = silo.Http("mesh_ot_0123456789ab.guess");
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await guessing.GetAsync("/healthz")).StatusCode);
            Assert.NotEqual(HttpStatusCode.Unauthorized, (await guessing.GetAsync("/readyz")).StatusCode);
        }

        // Twenty probes with a bad token later, the address is not throttled: the admin token still works.
        using var admin = silo.Http(silo.AdminToken);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("v1/tokens")).StatusCode);

        // Once the address is throttled for real failures, probes still answer.
        await Poll.UntilAsync(async () => (await guessing.GetAsync("v1/tokens")).StatusCode == HttpStatusCode.TooManyRequests, Deadline, "bad tokens to be throttled");
        Assert.Equal(HttpStatusCode.OK, (await guessing.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http().GetAsync("/healthz")).StatusCode);
    }

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>Cuts a silo off from the control plane's sync (a partition between them), nothing else.</summary>
    private sealed class SyncCutOff
    {
        private int _refused;

        public volatile bool Cut;

        public int Refused => Volatile.Read(ref _refused);

        public void Install(ISiloBuilder silo)
        {
            silo.Services.AddSingleton(this);
            silo.AddOutgoingGrainCallFilter<Filter>();
        }

        private sealed class Filter(SyncCutOff cutOff) : IOutgoingGrainCallFilter
        {
            public Task Invoke(IOutgoingGrainCallContext context)
            {
                if (cutOff.Cut && context.InterfaceMethod?.DeclaringType == typeof(IControlPlaneGrain) && context.InterfaceMethod.Name == nameof(IControlPlaneGrain.Sync))
                {
                    Interlocked.Increment(ref cutOff._refused);
                    throw new TimeoutException("The control plane cannot be reached from this silo (test partition).");
                }

                return context.Invoke();
            }
        }
    }
}
