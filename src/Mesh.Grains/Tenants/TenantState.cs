namespace Mesh.Grains.Tenants;

/// <summary>Persisted state of a tenant.</summary>
[GenerateSerializer, Alias("mesh.state.Tenant")]
internal sealed class TenantState
{
    [Id(0)] public bool Paused { get; set; }

    [Id(1)] public string? PauseReason { get; set; }

    [Id(2)] public DateTimeOffset? PausedAt { get; set; }

    [Id(3)] public long ActivePolicyVersion { get; set; }

    [Id(4)] public List<PolicyVersionRecord> PolicyVersions { get; set; } = [];

    [Id(5)] public string? PausedBy { get; set; }

    [Id(8)] public long ShadowPolicyVersion { get; set; }

    /// <summary>Increases with every change decisions depend on (pause, active and shadow versions).</summary>
    [Id(9)] public long Revision { get; set; }
}

/// <summary>One published policy version; immutable once written.</summary>
[GenerateSerializer, Alias("mesh.state.PolicyVersion")]
internal sealed class PolicyVersionRecord
{
    [Id(0)] public long Version { get; set; }

    [Id(1)] public string Document { get; set; } = string.Empty;

    [Id(2)] public DateTimeOffset PublishedAt { get; set; }

    [Id(3)] public int Rules { get; set; }

    [Id(4)] public string? PublishedBy { get; set; }
}
