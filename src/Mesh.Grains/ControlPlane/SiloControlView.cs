using System.Collections.Concurrent;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Credentials;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// This silo's view of the fleet-wide state a decision must obey: the emergency stop, each tenant's pause and policy
/// versions, each credential's status. Decisions read it from memory, without a grain call. An entry is loaded from
/// its owning grain the first time a decision needs it; after that the owner pushes every change to every live silo
/// before its call returns (<see cref="ControlBroadcast"/>). Each entry carries the owner's revision and the view keeps
/// the newest, so a slow load can never overwrite a newer push.
/// </summary>
internal sealed class SiloControlView
{
    private readonly ConcurrentDictionary<string, TenantGate> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CredentialEntry> _credentials = new(StringComparer.Ordinal);
    private FleetStatus? _fleet;

    public FleetStatus? Fleet => Volatile.Read(ref _fleet);

    public bool TryGetTenant(string tenant, out TenantGate gate) => _tenants.TryGetValue(tenant, out gate);

    public bool TryGetCredential(string credentialId, out CredentialEntry entry) => _credentials.TryGetValue(credentialId, out entry!);

    public void Apply(ControlChange change)
    {
        if (change.Fleet is { } fleet)
        {
            Apply(fleet);
        }

        if (change is { Tenant: { } tenant, Gate: { } gate })
        {
            Apply(tenant, gate);
        }

        if (change.Credential is { } credential)
        {
            Apply(credential);
        }
    }

    public FleetStatus Apply(FleetStatus status)
    {
        while (true)
        {
            var current = Volatile.Read(ref _fleet);
            if (current is not null && current.Revision >= status.Revision)
            {
                return current;
            }

            if (Interlocked.CompareExchange(ref _fleet, status, current) == current)
            {
                return status;
            }
        }
    }

    public TenantGate Apply(string tenant, TenantGate gate) =>
        _tenants.AddOrUpdate(tenant, gate, (_, current) => current.Revision >= gate.Revision ? current : gate);

    public CredentialEntry Apply(CredentialSnapshot snapshot) =>
        _credentials.AddOrUpdate(
            snapshot.CredentialId,
            static (_, s) => new CredentialEntry(s),
            static (_, current, s) => current.Snapshot.Revision >= s.Revision ? current : new CredentialEntry(s),
            snapshot);

    /// <summary>A credential snapshot with its scopes compiled once.</summary>
    internal sealed class CredentialEntry(CredentialSnapshot snapshot)
    {
        private readonly CredentialScopeMatcher? _matcher = snapshot.Spec is { } spec ? new CredentialScopeMatcher(spec) : null;

        public CredentialSnapshot Snapshot { get; } = snapshot;

        public CredentialCheckOutcome Check(string tool, string operation, string? target, DateTimeOffset now) => Snapshot.Status switch
        {
            CredentialStatus.Revoked => CredentialCheckOutcome.Revoked,
            CredentialStatus.Suspended => CredentialCheckOutcome.Suspended,
            CredentialStatus.Active when Snapshot.Spec?.ExpiresAt is { } expires && now >= expires => CredentialCheckOutcome.Expired,
            CredentialStatus.Active when _matcher is { } matcher => matcher.Covers(tool, operation, target) ? CredentialCheckOutcome.Usable : CredentialCheckOutcome.OutOfScope,
            _ => CredentialCheckOutcome.Unknown,
        };
    }
}
