using System.Collections.Immutable;

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
