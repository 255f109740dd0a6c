using Mesh.Contracts.Credentials;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Tenants;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Hosting;
using Mesh.Grains.RateLimiting;
using Mesh.Grains.Tenants;

using Mesh.Policy.Targets;

namespace Mesh.Grains.Credentials;

/// <summary>
/// A credential: scopes, expiry, status and version. Every change is durable, then pushed to every live silo's
/// control-plane view, before the call returns; decisions read the view, so a revocation is seen by the very next
/// decision on any silo without a call to this grain.
/// </summary>
internal sealed partial class CredentialGrain(
    [PersistentState("credential", MeshStorage.ProviderName)] IPersistentState<CredentialState> state,
    ControlBroadcast broadcast,
    MeshClock clock) : Grain, ICredentialGrain
{
    // The same judgement every silo's control-plane view makes, kept current with every commit.
    private SiloControlView.CredentialEntry? _entry;

    private string CredentialId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _entry = new SiloControlView.CredentialEntry(Snapshot());
        return Task.CompletedTask;
    }

    public async Task<CredentialInfo> Issue(CredentialSpec spec)
    {
        MeshException.ThrowIfInvalid(MeshKey.TryParse(CredentialId, out _, out _), $"'{CredentialId}' is not a valid credential id; use tenant/name.");
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Status != CredentialStatus.Unknown)
        {
            throw new MeshException(MeshErrorCode.AlreadyExists, $"Credential '{CredentialId}' was already issued; rotate it to change its scopes.");
        }

        var now = clock.UtcNow;
        var error = CredentialScopeMatcher.Validate(spec, now);
        MeshException.ThrowIfInvalid(error is null, $"The credential spec is invalid: {error}.");

        // Index first: an indexed credential whose issue did not complete lists as never issued (and is skipped),
        // an issued one never goes missing from its tenant's list.
        await IndexAsync();
        state.State.Status = CredentialStatus.Active;
        state.State.Spec = spec;
        state.State.Version = 1;
        state.State.IssuedAt = now;
        state.State.StatusChangedAt = now;
        state.State.IssuedBy = OperatorActor.Current;
        var receipt = await CommitAsync();
        return BuildInfo(now) with { Receipt = receipt };
    }

    public Task<CredentialInfo> Suspend(string? reason) =>
        ChangeStatus(CredentialStatus.Suspended, reason, from: CredentialStatus.Active);

    public Task<CredentialInfo> Resume() =>
        ChangeStatus(CredentialStatus.Active, null, from: CredentialStatus.Suspended);

    public async Task<CredentialInfo> Revoke(string? reason)
    {
        EnsureIssued();
        return await ChangeStatus(CredentialStatus.Revoked, reason, from: null);
    }

    public async Task<CredentialInfo> Rotate(CredentialSpec? spec)
    {
        EnsureIssued();
        if (state.State.Status == CredentialStatus.Revoked)
        {
            throw new MeshException(MeshErrorCode.InvalidState, $"Credential '{CredentialId}' is revoked; a revoked credential cannot be rotated.");
        }

        var now = clock.UtcNow;
        if (spec is not null)
        {
            var error = CredentialScopeMatcher.Validate(spec, now);
            MeshException.ThrowIfInvalid(error is null, $"The credential spec is invalid: {error}.");
        }

        // Credentials issued before the index existed join it on their next rotation (idempotent for the others).
        // Before any change, so a failure here leaves the credential as it was.
        await IndexAsync();
        if (spec is not null)
        {
            state.State.Spec = spec;
        }

        state.State.Version++;
        state.State.StatusChangedAt = now;
        state.State.StatusChangedBy = OperatorActor.Current;
        var receipt = await CommitAsync();
        return BuildInfo(now) with { Receipt = receipt };
    }

    private async Task IndexAsync()
    {
        var tenant = MeshKey.TenantOf(CredentialId)!;
        await TenantRegistry.RegisterAsync(GrainFactory, tenant);
        await GrainFactory.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyFor(tenant, ITenantIndexGrain.Credentials, CredentialId)).Add(CredentialId);
    }

    public Task<CredentialSnapshot> GetSnapshot() => Task.FromResult(Snapshot());

    private CredentialSnapshot Snapshot() => new()
    {
        CredentialId = CredentialId,
        Status = state.State.Status,
        Version = state.State.Version,
        Spec = state.State.Spec,
        Revision = state.State.Revision,
    };

    // Durable first, then pushed to every silo's view: when this returns, no decision that starts anywhere uses the old state.
    private async Task<FleetReceipt> CommitAsync(bool changed = true)
    {
        if (changed)
        {
            state.State.Revision++;
        }

        var snapshot = Snapshot();
        var receipt = await broadcast.PublishAsync(state, GrainContext, new ControlChange { Credential = snapshot });
        _entry = new SiloControlView.CredentialEntry(snapshot);
        return receipt;
    }

    public Task<CredentialInfo> GetInfo() => Task.FromResult(BuildInfo(clock.UtcNow));

    public ValueTask<CredentialCheck> Check(string tool, string operation, string? target)
    {
        // Scopes match canonical targets; a target without one reading is in no scope.
        var canonical = TargetCanonicalizer.Canonicalize(target, networkTool: false);
        var outcome = canonical.Problem != TargetProblem.None ? CredentialCheckOutcome.OutOfScope : _entry!.Check(tool, operation, canonical.Value, clock.UtcNow);
        return ValueTask.FromResult(new CredentialCheck(outcome, state.State.Version));
    }

    private async Task<CredentialInfo> ChangeStatus(CredentialStatus to, string? reason, CredentialStatus? from)
    {
        EnsureIssued();
        var current = state.State.Status;
        if (current == to)
        {
            // Already so: pushed again all the same, which re-confirms it on every silo and answers with a receipt.
            return BuildInfo(clock.UtcNow) with { Receipt = await CommitAsync(changed: false) };
        }

        if (from is { } required && current != required)
        {
            throw new MeshException(MeshErrorCode.InvalidState, $"Credential '{CredentialId}' is {current.ToString().ToLowerInvariant()}; it must be {required.ToString().ToLowerInvariant()} to become {to.ToString().ToLowerInvariant()}.");
        }

        var now = clock.UtcNow;
        state.State.Status = to;
        state.State.StatusReason = Text.Truncate(reason, 512);
        state.State.StatusChangedAt = now;
        state.State.StatusChangedBy = OperatorActor.Current;
        var receipt = await CommitAsync();
        return BuildInfo(now) with { Receipt = receipt };
    }

    private void EnsureIssued()
    {
        if (state.State.Status == CredentialStatus.Unknown)
        {
            throw new MeshException(MeshErrorCode.NotFound, $"Credential '{CredentialId}' was never issued.");
        }
    }

    private CredentialInfo BuildInfo(DateTimeOffset now) => new()
    {
        CredentialId = CredentialId,
        Status = state.State.Status,
        Version = state.State.Version,
        Spec = state.State.Spec,
        IssuedAt = state.State.IssuedAt,
        StatusChangedAt = state.State.StatusChangedAt,
        Expired = state.State.Spec?.ExpiresAt is { } expires && now >= expires,
        IssuedBy = state.State.IssuedBy,
        StatusChangedBy = state.State.StatusChangedBy,
        StatusReason = state.State.StatusReason,
    };
}
