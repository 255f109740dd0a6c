using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;
using Mesh.Grains.ControlPlane;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Grains.Tests.ControlPlane;

public sealed class SiloControlViewTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(5);

    private static ControlChange Credential(CredentialStatus status, long epoch) => new()
    {
        Credential = new CredentialSnapshot { CredentialId = "acme/c", Status = status, Revision = epoch, Spec = new CredentialSpec { Scopes = [new CredentialScope()] } },
        Epoch = epoch,
    };

    [Fact]
    public void A_late_delivery_never_overwrites_a_newer_entry()
    {
        var view = new SiloControlView(Lease, new FakeTimeProvider());

        view.Apply(Credential(CredentialStatus.Revoked, epoch: 3));
        view.Apply(Credential(CredentialStatus.Active, epoch: 2));

        Assert.True(view.TryGetCredential("acme/c", out var entry));
        Assert.Equal(CredentialCheckOutcome.Revoked, entry.Check("git", "push", "x", DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Newer_epochs_replace_older_ones_for_every_kind_of_entry()
    {
        var view = new SiloControlView(Lease, new FakeTimeProvider());

        view.Apply(new ControlChange { Fleet = new FleetStatus { EmergencyStop = false }, Epoch = 1 });
        view.Apply(new ControlChange { Fleet = new FleetStatus { EmergencyStop = true }, Epoch = 4 });
        view.Apply(new ControlChange { Fleet = new FleetStatus { EmergencyStop = false }, Epoch = 2 });
        view.Apply(new ControlChange { Tenant = "acme", Gate = new TenantGate(Paused: true, PolicyVersion: 4), Epoch = 7 });
        view.Apply(new ControlChange { Tenant = "acme", Gate = new TenantGate(Paused: false, PolicyVersion: 3), Epoch = 6 });
        view.Apply(new ControlChange { Agent = new AgentGate { AgentId = "acme/a", Status = AgentStatus.Paused }, Epoch = 9 });
        view.Apply(new ControlChange { Agent = new AgentGate { AgentId = "acme/a", Status = AgentStatus.Active }, Epoch = 8 });

        Assert.True(view.Fleet!.EmergencyStop);
        Assert.True(view.TenantGate("acme").Paused);
        Assert.Equal(4, view.TenantGate("acme").PolicyVersion);
        Assert.True(view.TryGetAgent("acme/a", out var agent));
        Assert.Equal(AgentStatus.Paused, agent.Status);
    }

    [Fact]
    public void The_watermark_moves_only_over_a_contiguous_sequence_or_a_sync()
    {
        var view = new SiloControlView(Lease, new FakeTimeProvider());

        view.Apply(Credential(CredentialStatus.Active, epoch: 1));
        view.Apply(Credential(CredentialStatus.Suspended, epoch: 3));
        Assert.Equal(1, view.Epoch);

        view.Confirm(3, DateTimeOffset.UnixEpoch);
        Assert.Equal(3, view.Epoch);
        view.Confirm(2, DateTimeOffset.UnixEpoch);
        Assert.Equal(3, view.Epoch);
    }

    [Fact]
    public void The_view_is_current_only_within_the_lease_after_its_last_confirmation()
    {
        var clock = new FakeTimeProvider();
        var view = new SiloControlView(Lease, clock);
        Assert.False(view.IsCurrent());
        Assert.False(view.Loaded.IsCompleted);

        view.Confirm(0, clock.GetUtcNow());
        Assert.True(view.Loaded.IsCompleted);
        clock.Advance(Lease);
        Assert.True(view.IsCurrent());
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(view.IsCurrent());

        // A confirmation counts from when it was sent, and an older one never shortens the lease.
        view.Confirm(0, clock.GetUtcNow() - TimeSpan.FromSeconds(1));
        Assert.True(view.IsCurrent());
        view.Confirm(0, clock.GetUtcNow() - TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(4));
        Assert.True(view.IsCurrent());
        clock.Advance(TimeSpan.FromTicks(1));
        Assert.False(view.IsCurrent());
    }
}
