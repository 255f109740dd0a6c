using Mesh.Contracts.Fleet;

namespace Mesh.Contracts.Tenants;

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
