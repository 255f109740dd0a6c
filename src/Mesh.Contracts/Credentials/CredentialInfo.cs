using Mesh.Contracts.Fleet;

namespace Mesh.Contracts.Credentials;

/// <summary>A credential as operators see it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialInfo")]
public sealed record CredentialInfo
{
    /// <summary>The id, <c>tenant/credential</c>.</summary>
    [Id(0)] public required string CredentialId { get; init; }

    /// <summary>Stored status (an expired credential still shows Active here; see <see cref="Expired"/>).</summary>
    [Id(1)] public required CredentialStatus Status { get; init; }

    /// <summary>Increases on every rotation.</summary>
    [Id(2)] public long Version { get; init; }

    /// <summary>The spec as issued.</summary>
    [Id(3)] public CredentialSpec? Spec { get; init; }

    /// <summary>When issued.</summary>
    [Id(4)] public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>When the status last changed.</summary>
    [Id(5)] public DateTimeOffset? StatusChangedAt { get; init; }

    /// <summary>True when <see cref="CredentialSpec.ExpiresAt"/> has passed.</summary>
    [Id(6)] public bool Expired { get; init; }

    /// <summary>Who issued it.</summary>
    [Id(7)] public string? IssuedBy { get; init; }

    /// <summary>Who last changed its status or version.</summary>
    [Id(8)] public string? StatusChangedBy { get; init; }

    /// <summary>Why its status last changed.</summary>
    [Id(9)] public string? StatusReason { get; init; }

    /// <summary>What the change reached across the fleet before the call returned (set on the answers of changing calls).</summary>
    [Id(10)] public FleetReceipt? Receipt { get; init; }
}
