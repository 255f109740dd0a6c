using Mesh.Grains.ControlPlane;
using Mesh.Grains.Diagnostics;
using Mesh.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Silo.Tests.Observability;

/// <summary>Fleet-wide changes and the control-plane view, measured on a real two-silo cluster.</summary>
public sealed class ControlPlaneMetricsTests(MeshCluster mesh) : IClassFixture<MeshCluster>
{
    private System.Diagnostics.Metrics.Meter[] Meters =>
        [.. mesh.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<MeshMetrics>().Meter)];

    [Fact]
    public async Task A_revoke_records_one_propagation_measurement_matching_its_receipt()
    {
        using var measurements = new MeshMeasurements(Meters);
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        await scenario.IssueCredentialAsync("c");
        var before = measurements.Of(MeshTelemetry.ControlPropagation).Count;

        var receipt = (await scenario.Credential("c").Revoke("leaked")).Receipt!;

        var propagation = Assert.Single(measurements.Of(MeshTelemetry.ControlPropagation).Skip(before));
        Assert.Equal("credential", propagation.Tag("kind"));
        Assert.Equal(true, propagation.Tags["complete"]);
        Assert.Equal(["complete", "kind"], propagation.Tags.Keys.Order());
        Assert.Equal(receipt.Elapsed.TotalSeconds, propagation.Value);
        Assert.Equal(2, receipt.SilosAcknowledged);
    }

    [Fact]
    public async Task Each_silo_reports_its_view_epoch_and_that_it_is_current()
    {
        using var measurements = new MeshMeasurements(Meters);
        var scenario = new Scenario(mesh.Operator, mesh.Client);
        var receipt = (await scenario.IssueCredentialAsync("c")).Receipt!;

        foreach (var meter in Meters)
        {
            // A push that skips ahead of a silo's watermark waits for its next renewal.
            await Poll.UntilAsync(() => measurements.Latest(MeshTelemetry.ControlViewEpoch, meter) >= receipt.Epoch, TimeSpan.FromSeconds(30), "every silo's view epoch to reach the revoke's");
            Assert.Equal(0, measurements.Latest(MeshTelemetry.ControlViewStale, meter));
            Assert.InRange(measurements.Latest(MeshTelemetry.ControlViewAge, meter)!.Value, 0, mesh.Cluster.Silos[0].ServiceProvider.GetRequiredService<ControlViewStatus>().Lease.TotalSeconds);
        }
    }

    [Fact]
    public void The_audit_queue_depth_is_zero_until_a_queue_registers_and_sums_the_registered_queues()
    {
        var metrics = mesh.Cluster.Silos[0].ServiceProvider.GetRequiredService<MeshMetrics>();
        using var measurements = new MeshMeasurements(metrics.Meter);
        Assert.Equal(0, measurements.Latest(MeshTelemetry.AuditQueueDepth, metrics.Meter));

        using (metrics.ObserveAuditQueueDepth(() => 7))
        using (metrics.ObserveAuditQueueDepth(() => 5))
        {
            Assert.Equal(12, measurements.Latest(MeshTelemetry.AuditQueueDepth, metrics.Meter));
        }

        Assert.Equal(0, measurements.Latest(MeshTelemetry.AuditQueueDepth, metrics.Meter));
    }

    [Fact]
    public void A_view_reports_stale_before_its_first_load_and_once_its_lease_runs_out()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var leaseClock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var view = new SiloControlView(TimeSpan.FromSeconds(5), leaseClock);
        var metrics = Standalone.Metrics(services, view, leaseClock);
        using var measurements = new MeshMeasurements(metrics.Meter);

        Assert.Equal(1, measurements.Latest(MeshTelemetry.ControlViewStale, metrics.Meter));
        Assert.Null(measurements.Latest(MeshTelemetry.ControlViewAge, metrics.Meter));

        view.Confirm(3, leaseClock.GetUtcNow());
        leaseClock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(0, measurements.Latest(MeshTelemetry.ControlViewStale, metrics.Meter));
        Assert.Equal(3, measurements.Latest(MeshTelemetry.ControlViewEpoch, metrics.Meter));
        Assert.Equal(2, measurements.Latest(MeshTelemetry.ControlViewAge, metrics.Meter));

        leaseClock.Advance(TimeSpan.FromSeconds(3) + TimeSpan.FromTicks(1));
        Assert.Equal(1, measurements.Latest(MeshTelemetry.ControlViewStale, metrics.Meter));
    }
}
