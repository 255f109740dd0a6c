using System.Collections.Immutable;
using Mesh.Contracts.Fleet;

namespace Mesh.Contracts.Tenants;

/// <summary>One tenant, keyed by the tenant id: its policy versions and the tenant-wide pause.</summary>
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Pauses every agent of the tenant.</summary>
    [Audit.AuditedAction("tenant.pause")]
    Task<TenantInfo> Pause(string? reason);

    /// <summary>Resumes the tenant.</summary>
    [Audit.AuditedAction("tenant.resume")]
    Task<TenantInfo> Resume();

    /// <summary>Validates, compiles and activates a policy document; returns the new version.</summary>
    /// <exception cref="Errors.MeshException">With <see cref="Errors.MeshErrorCode.InvalidArgument"/> and every validation error when the policy is malformed.</exception>
    [Audit.AuditedAction("policy.publish", Audit.AuditKind.PolicyChange)]
    Task<PolicyPublication> PublishPolicy(string document);

    /// <summary>The tenant as operators see it.</summary>
    [ReadOnly]
    Task<TenantInfo> GetInfo();

    /// <summary>What a decision needs: pause state and active policy version. (Decision path.)</summary>
    [ReadOnly]
    ValueTask<TenantGate> GetGate();

    /// <summary>
    /// The text of a policy version (for silos compiling it into their local cache). Interleaves with the tenant's
    /// other calls: a silo fetches the version while the tenant grain waits for that silo to confirm the activation.
    /// </summary>
    [AlwaysInterleave]
    Task<string?> GetPolicyDocument(long version);

    /// <summary>Every published version (newest last), without documents.</summary>
    [ReadOnly]
    Task<ImmutableArray<PolicyVersionInfo>> ListPolicyVersions();

    /// <summary>Makes an earlier version active again. Decisions name the version they used.</summary>
    [Audit.AuditedAction("policy.rollback", Audit.AuditKind.PolicyChange)]
    Task<PolicyPublication> RollbackPolicy(long version);

    /// <summary>
    /// Publishes a candidate to run in shadow: decisions evaluate it next to the active policy and record where they
    /// differ, but never enforce it. Returns the candidate's version.
    /// </summary>
    [Audit.AuditedAction("policy.shadow_start", Audit.AuditKind.PolicyChange)]
    Task<PolicyPublication> StartShadow(string document);

    /// <summary>Stops shadow evaluation.</summary>
    [Audit.AuditedAction("policy.shadow_stop", Audit.AuditKind.PolicyChange)]
    Task<TenantInfo> StopShadow();

    /// <summary>The ids of the tenant's agents (from the sharded agent index).</summary>
    [ReadOnly]
    Task<ImmutableArray<string>> ListAgents();

    /// <summary>The ids of the tenant's issued credentials (from the sharded credential index), sorted.</summary>
    [ReadOnly]
    Task<ImmutableArray<string>> ListCredentials();

    /// <summary>The ids of approvals that were pending when last tracked (from the sharded approval index).</summary>
    [ReadOnly]
    Task<ImmutableArray<string>> ListPendingApprovals();
}

/// <summary>A tenant as operators see it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.TenantInfo")]
public sealed record TenantInfo
{
    /// <summary>The tenant id.</summary>
    [Id(0)] public required string TenantId { get; init; }

    /// <summary>True while every agent of the tenant is paused.</summary>
    [Id(1)] public bool Paused { get; init; }

    /// <summary>Why it was paused.</summary>
    [Id(2)] public string? PauseReason { get; init; }

    /// <summary>The active policy version (0: none, everything is default-denied).</summary>
    [Id(3)] public long ActivePolicyVersion { get; init; }

    /// <summary>How many versions were published.</summary>
    [Id(4)] public int PolicyVersions { get; init; }

    /// <summary>Who paused the tenant.</summary>
    [Id(5)] public string? PausedBy { get; init; }

    /// <summary>The version running in shadow (0: none).</summary>
    [Id(7)] public long ShadowPolicyVersion { get; init; }

    /// <summary>What the change reached across the fleet before the call returned (set on the answers of changing calls).</summary>
    [Id(8)] public FleetReceipt? Receipt { get; init; }
}

/// <summary>One published policy version.</summary>
[GenerateSerializer, Immutable, Alias("mesh.PolicyVersionInfo")]
public sealed record PolicyVersionInfo
{
    /// <summary>The version.</summary>
    [Id(0)] public required long Version { get; init; }

    /// <summary>When it was published.</summary>
    [Id(1)] public DateTimeOffset PublishedAt { get; init; }

    /// <summary>Who published it.</summary>
    [Id(2)] public string? PublishedBy { get; init; }

    /// <summary>How many rules it has.</summary>
    [Id(3)] public int Rules { get; init; }

    /// <summary>True for the active version.</summary>
    [Id(4)] public bool Active { get; init; }

    /// <summary>True for the version running in shadow.</summary>
    [Id(5)] public bool Shadow { get; init; }
}

/// <summary>Pause state and active policy version, as the decision path reads them.</summary>
[GenerateSerializer, Immutable, Alias("mesh.TenantGate")]
public readonly record struct TenantGate([property: Id(0)] bool Paused, [property: Id(1)] long PolicyVersion, [property: Id(2)] long ShadowVersion = 0, [property: Id(3)] long Revision = 0);

/// <summary>Receipt of a policy publication.</summary>
[GenerateSerializer, Immutable, Alias("mesh.PolicyPublication")]
public sealed record PolicyPublication
{
    /// <summary>The tenant.</summary>
    [Id(0)] public required string TenantId { get; init; }

    /// <summary>The new active version.</summary>
    [Id(1)] public required long Version { get; init; }

    /// <summary>How many rules it has.</summary>
    [Id(2)] public required int Rules { get; init; }

    /// <summary>When it became active.</summary>
    [Id(3)] public required DateTimeOffset ActivatedAt { get; init; }

    /// <summary>What the change reached across the fleet before the call returned (set on the answers of changing calls).</summary>
    [Id(4)] public FleetReceipt? Receipt { get; init; }
}
