using System.Collections.Concurrent;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Tenants;
using Mesh.Grains.Credentials;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// This silo's copy of the fleet-wide state a decision must obey: the emergency stop, each tenant's pause and policy
/// versions, each credential's status and scopes, the agents that are paused or quarantined. Decisions read it from
/// memory, never with a grain call.
/// <para>
/// It is filled in three ways, all ordered by the control plane's epoch (per key the entry with the highest epoch
/// wins, so a late or repeated delivery can never overwrite a newer one): the whole record when the silo starts,
/// every change pushed by its owner before the owner's call returns (<see cref="ControlBroadcast"/>), and whatever a
/// silo missed when it renews its lease (<see cref="ControlPlaneLease"/>). The lease is what makes a silo that
/// cannot be reached safe: its view counts as current only for <see cref="Lease"/> after it last confirmed it.
/// </para>
/// </summary>
internal sealed class SiloControlView
{
    private readonly ConcurrentDictionary<string, ControlChange> _tenants = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CredentialEntry> _credentials = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ControlChange> _agents = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _loaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeProvider _leaseClock;
    private ControlChange? _fleet;
    private long _epoch;
    private long _confirmedAtTicks = long.MinValue;

    public SiloControlView(IOptions<MeshGrainOptions> options)
        : this(options.Value.ControlPlaneLease, options.Value.LeaseTimeProvider)
    {
    }

    internal SiloControlView(TimeSpan lease, TimeProvider leaseClock)
    {
        Lease = lease;
        _leaseClock = leaseClock;
    }

    /// <summary>How long the view counts as current after it was last confirmed.</summary>
    public TimeSpan Lease { get; }

    /// <summary>Every change up to this epoch is applied (changes after it may be applied too).</summary>
    public long Epoch => Volatile.Read(ref _epoch);

    /// <summary>Completes when the whole record has been loaded once.</summary>
    public Task Loaded => _loaded.Task;

    /// <summary>When the view was last confirmed current (lease clock), or null before the first load.</summary>
    public DateTimeOffset? ConfirmedAt
    {
        get
        {
            var ticks = Volatile.Read(ref _confirmedAtTicks);
            return ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>The emergency stop, or null when it was never engaged.</summary>
    public FleetStatus? Fleet => Volatile.Read(ref _fleet)?.Fleet;

    /// <summary>True while the lease holds: the view was confirmed current less than <see cref="Lease"/> ago.</summary>
    public bool IsCurrent()
    {
        var confirmed = Volatile.Read(ref _confirmedAtTicks);
        return confirmed != long.MinValue && _leaseClock.GetUtcNow().UtcTicks - confirmed <= Lease.Ticks;
    }

    /// <summary>The tenant's gate; a tenant never changed has none (not paused, no policy).</summary>
    public TenantGate TenantGate(string tenant) => _tenants.TryGetValue(tenant, out var change) ? change.Gate!.Value : default;

    public bool TryGetCredential(string credentialId, out CredentialEntry entry) => _credentials.TryGetValue(credentialId, out entry!);

    /// <summary>The agent's status as the fleet-wide record has it, when it was ever paused or quarantined.</summary>
    public bool TryGetAgent(string agentId, out AgentGate gate)
    {
        if (!_agents.IsEmpty && _agents.TryGetValue(agentId, out var change))
        {
            gate = change.Agent!;
            return true;
        }

        gate = null!;
        return false;
    }

    /// <summary>Applies a committed change unless the view already has a newer entry for its key.</summary>
    public void Apply(ControlChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        if (change.Fleet is not null)
        {
            while (true)
            {
                var current = Volatile.Read(ref _fleet);
                if ((current is not null && current.Epoch >= change.Epoch) || Interlocked.CompareExchange(ref _fleet, change, current) == current)
                {
                    break;
                }
            }
        }
        else if (change.Tenant is { } tenant && change.Gate is not null)
        {
            _tenants.AddOrUpdate(tenant, change, (_, current) => current.Epoch >= change.Epoch ? current : change);
        }
        else if (change.Credential is { } credential)
        {
            _credentials.AddOrUpdate(
                credential.CredentialId,
                static (_, c) => new CredentialEntry(c.Credential!, c.Epoch),
                static (_, current, c) => current.Epoch >= c.Epoch ? current : new CredentialEntry(c.Credential!, c.Epoch),
                change);
        }
        else if (change.Agent is { } agent)
        {
            _agents.AddOrUpdate(agent.AgentId, change, (_, current) => current.Epoch >= change.Epoch ? current : change);
        }

        // A push that continues the sequence moves the watermark; one that skips ahead waits for the next sync.
        Interlocked.CompareExchange(ref _epoch, change.Epoch, change.Epoch - 1);
    }

    /// <summary>
    /// Records a sync: every change up to <paramref name="epoch"/> is applied, as of <paramref name="startedAt"/>
    /// (when the sync was sent, so the lease never counts time the answer spent on the wire).
    /// </summary>
    public void Confirm(long epoch, DateTimeOffset startedAt)
    {
        InterlockedMax(ref _epoch, epoch);
        InterlockedMax(ref _confirmedAtTicks, startedAt.UtcTicks);
        _loaded.TrySetResult();
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var current = Volatile.Read(ref location);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref location, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    /// <summary>A credential snapshot with its scopes compiled once.</summary>
    internal sealed class CredentialEntry(CredentialSnapshot snapshot, long epoch = 0)
    {
        private readonly CredentialScopeMatcher? _matcher = snapshot.Spec is { } spec ? new CredentialScopeMatcher(spec) : null;

        public CredentialSnapshot Snapshot { get; } = snapshot;

        public long Epoch { get; } = epoch;

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
