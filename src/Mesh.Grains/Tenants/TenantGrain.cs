using System.Collections.Immutable;
using Mesh.Contracts.Errors;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Shadow;
using Mesh.Contracts.Tenants;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Hosting;
using Mesh.Grains.Policies;
using Mesh.Policy.Compilation;

namespace Mesh.Grains.Tenants;

/// <summary>A tenant: its policy versions and the tenant-wide pause.</summary>
internal sealed class TenantGrain(
    [PersistentState("tenant", MeshStorage.ProviderName)] IPersistentState<TenantState> state,
    PolicyCache policies,
    ControlBroadcast broadcast,
    MeshClock clock) : Grain, ITenantGrain
{
    private string TenantId => this.GetPrimaryKeyString();

    public async Task<TenantInfo> Pause(string? reason)
    {
        EnsureValidKey();
        await TenantRegistry.RegisterAsync(GrainFactory, TenantId);
        var changed = !state.State.Paused;
        if (changed)
        {
            state.State.Paused = true;
            state.State.PauseReason = Text.Truncate(reason, 512);
            state.State.PausedAt = clock.UtcNow;
            state.State.PausedBy = OperatorActor.Current;
        }

        return BuildInfo() with { Receipt = await CommitGateAsync(changed) };
    }

    public async Task<TenantInfo> Resume()
    {
        EnsureValidKey();
        var changed = state.State.Paused;
        if (changed)
        {
            state.State.Paused = false;
            state.State.PauseReason = null;
            state.State.PausedAt = null;
            // The pause is over: nobody "paused" it any more (who resumed it is in the tenant's audit stream).
            state.State.PausedBy = null;
        }

        return BuildInfo() with { Receipt = await CommitGateAsync(changed) };
    }

    public async Task<PolicyPublication> PublishPolicy(string document)
    {
        var (record, compiled, receipt) = await AddVersionAsync(document, activate: true);
        return Publication(record, compiled.Rules.Count) with { Receipt = receipt };
    }

    public async Task<PolicyPublication> RollbackPolicy(long version)
    {
        EnsureValidKey();
        var record = state.State.PolicyVersions.Find(v => v.Version == version)
            ?? throw new MeshException(MeshErrorCode.NotFound, $"Tenant '{TenantId}' has no policy version {version}.");
        await TenantRegistry.RegisterAsync(GrainFactory, TenantId);
        var changed = state.State.ActivePolicyVersion != version;
        state.State.ActivePolicyVersion = version;
        var receipt = await CommitGateAsync(changed);
        return Publication(record, record.Rules) with { ActivatedAt = clock.UtcNow, Receipt = receipt };
    }

    public async Task<PolicyPublication> StartShadow(string document)
    {
        var (record, compiled, receipt) = await AddVersionAsync(document, activate: false);
        await GrainFactory.GetGrain<IShadowReportGrain>(TenantId).Reset(record.Version, state.State.ActivePolicyVersion);
        return Publication(record, compiled.Rules.Count) with { Receipt = receipt };
    }

    public async Task<TenantInfo> StopShadow()
    {
        EnsureValidKey();
        var changed = state.State.ShadowPolicyVersion != 0;
        state.State.ShadowPolicyVersion = 0;
        return BuildInfo() with { Receipt = await CommitGateAsync(changed) };
    }

    public Task<ImmutableArray<PolicyVersionInfo>> ListPolicyVersions() => Task.FromResult(state.State.PolicyVersions.Select(v => new PolicyVersionInfo
    {
        Version = v.Version,
        PublishedAt = v.PublishedAt,
        PublishedBy = v.PublishedBy,
        Rules = v.Rules,
        Active = v.Version == state.State.ActivePolicyVersion,
        Shadow = v.Version == state.State.ShadowPolicyVersion,
    }).ToImmutableArray());

    // Validates and stores a new version, then makes it the active or the shadow one. A malformed policy changes nothing.
    private async Task<(PolicyVersionRecord Record, CompiledPolicy Compiled, FleetReceipt Receipt)> AddVersionAsync(string document, bool activate)
    {
        EnsureValidKey();
        var version = state.State.PolicyVersions.Count == 0 ? 1 : state.State.PolicyVersions[^1].Version + 1;
        var compilation = PolicyCompiler.TryCompile(document, version);
        if (compilation.Policy is not { } compiled)
        {
            throw new MeshException(MeshErrorCode.PolicyInvalid, "The policy was not published. " + string.Join(" ", compilation.Errors));
        }

        // Registered first, so a tenant whose policy is active is never missing from the list of tenants.
        await TenantRegistry.RegisterAsync(GrainFactory, TenantId);

        var record = new PolicyVersionRecord { Version = version, Document = document, PublishedAt = clock.UtcNow, Rules = compiled.Rules.Count, PublishedBy = OperatorActor.Current };
        state.State.PolicyVersions.Add(record);
        if (activate)
        {
            state.State.ActivePolicyVersion = version;
        }
        else
        {
            state.State.ShadowPolicyVersion = version;
        }

        // Cached here before the push: this silo's view applies the new gate only once its policy is at hand.
        policies.Add(TenantId, compiled);
        var receipt = await CommitGateAsync(changed: true);
        return (record, compiled, receipt);
    }

    private PolicyPublication Publication(PolicyVersionRecord record, int rules) =>
        new() { TenantId = TenantId, Version = record.Version, Rules = rules, ActivatedAt = record.PublishedAt };

    public Task<TenantInfo> GetInfo() => Task.FromResult(BuildInfo());

    public ValueTask<TenantGate> GetGate() => ValueTask.FromResult(Gate());

    private TenantGate Gate() => new(state.State.Paused, state.State.ActivePolicyVersion, state.State.ShadowPolicyVersion, state.State.Revision);

    // Durable first, then pushed to every silo's view before the operator's call returns. Pushed also when nothing
    // changed: a repeated call re-confirms the gate on every silo and answers with a receipt.
    private async Task<FleetReceipt> CommitGateAsync(bool changed)
    {
        if (changed)
        {
            state.State.Revision++;
        }

        return await broadcast.PublishAsync(state, GrainContext, new ControlChange { Tenant = TenantId, Gate = Gate() });
    }

    public Task<string?> GetPolicyDocument(long version)
    {
        foreach (var record in state.State.PolicyVersions)
        {
            if (record.Version == version)
            {
                return Task.FromResult<string?>(record.Document);
            }
        }

        return Task.FromResult<string?>(null);
    }

    public Task<ImmutableArray<string>> ListAgents() => ListIndexAsync(ITenantIndexGrain.Agents);

    public Task<ImmutableArray<string>> ListCredentials() => ListIndexAsync(ITenantIndexGrain.Credentials);

    public Task<ImmutableArray<string>> ListPendingApprovals() => ListIndexAsync(ITenantIndexGrain.Approvals);

    private async Task<ImmutableArray<string>> ListIndexAsync(string kind)
    {
        EnsureValidKey();
        var shards = await Task.WhenAll(Enumerable.Range(0, ITenantIndexGrain.Shards)
            .Select(i => GrainFactory.GetGrain<ITenantIndexGrain>(ITenantIndexGrain.KeyOf(TenantId, kind, i)).List()));
        return [.. shards.SelectMany(s => s).Order(StringComparer.Ordinal)];
    }

    private TenantInfo BuildInfo() => new()
    {
        TenantId = TenantId,
        Paused = state.State.Paused,
        PauseReason = state.State.PauseReason,
        ActivePolicyVersion = state.State.ActivePolicyVersion,
        PolicyVersions = state.State.PolicyVersions.Count,
        // State written before resume cleared it may still name who paused it last.
        PausedBy = state.State.Paused ? state.State.PausedBy : null,
        ShadowPolicyVersion = state.State.ShadowPolicyVersion,
    };

    private void EnsureValidKey() =>
        MeshException.ThrowIfInvalid(MeshKey.IsValidTenant(TenantId), $"'{TenantId}' is not a valid tenant id.");
}
