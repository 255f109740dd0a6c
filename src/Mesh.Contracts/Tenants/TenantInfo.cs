using Mesh.Contracts.Fleet;

namespace Mesh.Contracts.Tenants;

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
