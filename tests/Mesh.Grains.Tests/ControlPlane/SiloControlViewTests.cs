using Mesh.Contracts.Credentials;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;
using Mesh.Grains.ControlPlane;

namespace Mesh.Grains.Tests.ControlPlane;

public sealed class SiloControlViewTests
{
    private static CredentialSnapshot Credential(CredentialStatus status, long revision) =>
        new() { CredentialId = "acme/c", Status = status, Revision = revision, Spec = new CredentialSpec { Scopes = [new CredentialScope()] } };

    [Fact]
    public void A_slow_load_never_overwrites_a_newer_push()
    {
        var view = new SiloControlView();

        view.Apply(Credential(CredentialStatus.Revoked, revision: 3));
        var kept = view.Apply(Credential(CredentialStatus.Active, revision: 2));

        Assert.Equal(CredentialStatus.Revoked, kept.Snapshot.Status);
        Assert.True(view.TryGetCredential("acme/c", out var entry));
        Assert.Equal(CredentialCheckOutcome.Revoked, entry.Check("git", "push", "x", DateTimeOffset.UnixEpoch));
    }

    [Fact]
    public void Newer_revisions_replace_older_ones_for_every_kind_of_entry()
    {
        var view = new SiloControlView();

        view.Apply(new ControlChange { Fleet = new FleetStatus { EmergencyStop = false, Revision = 1 } });
        view.Apply(new ControlChange { Fleet = new FleetStatus { EmergencyStop = true, Revision = 2 } });
        view.Apply(new ControlChange { Fleet = new FleetStatus { EmergencyStop = false, Revision = 1 } });
        view.Apply(new ControlChange { Tenant = "acme", Gate = new TenantGate(Paused: true, PolicyVersion: 4, Revision: 7) });
        view.Apply(new ControlChange { Tenant = "acme", Gate = new TenantGate(Paused: false, PolicyVersion: 3, Revision: 6) });

        Assert.True(view.Fleet!.EmergencyStop);
        Assert.True(view.TryGetTenant("acme", out var gate));
        Assert.True(gate.Paused);
        Assert.Equal(4, gate.PolicyVersion);
    }
}
