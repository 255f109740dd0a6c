namespace Mesh.Contracts.Credentials;

/// <summary>A credential as every silo's control-plane view holds it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialSnapshot")]
public sealed record CredentialSnapshot
{
    /// <summary>The id.</summary>
    [Id(0)] public required string CredentialId { get; init; }

    /// <summary>Status.</summary>
    [Id(1)] public required CredentialStatus Status { get; init; }

    /// <summary>Version (rotations).</summary>
    [Id(2)] public long Version { get; init; }

    /// <summary>Scopes and expiry.</summary>
    [Id(3)] public CredentialSpec? Spec { get; init; }

    /// <summary>Increases with every change; silos keep the newest they have seen.</summary>
    [Id(4)] public long Revision { get; init; }
}
