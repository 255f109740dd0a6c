using Mesh.Contracts.Credentials;

namespace Mesh.Grains.Credentials;

/// <summary>Persisted state of a credential.</summary>
[GenerateSerializer, Alias("mesh.state.Credential")]
internal sealed class CredentialState
{
    [Id(0)] public CredentialStatus Status { get; set; }

    [Id(1)] public CredentialSpec? Spec { get; set; }

    [Id(2)] public long Version { get; set; }

    [Id(3)] public DateTimeOffset? IssuedAt { get; set; }

    [Id(4)] public DateTimeOffset? StatusChangedAt { get; set; }

    [Id(5)] public string? StatusReason { get; set; }

    [Id(6)] public string? IssuedBy { get; set; }

    [Id(7)] public string? StatusChangedBy { get; set; }

    /// <summary>Increases with every change; silos keep the newest snapshot they have seen.</summary>
    [Id(8)] public long Revision { get; set; }
}
