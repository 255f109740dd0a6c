namespace Mesh.Contracts.Approvals;

/// <summary>What the agent grain sends to open an approval.</summary>
[GenerateSerializer, Immutable, Alias("mesh.ApprovalOpening")]
public sealed record ApprovalOpening
{
    /// <summary>The request, in full.</summary>
    [Id(0)] public required ApprovalSubject Subject { get; init; }

    /// <summary>SHA-256 over the canonical request; a re-sent request must match it.</summary>
    [Id(1)] public required string RequestDigest { get; init; }

    /// <summary>The policy version that required approval; consumption is bound to it.</summary>
    [Id(2)] public required long PolicyVersion { get; init; }

    /// <summary>Who must approve and by when.</summary>
    [Id(3)] public required ApprovalPolicy Policy { get; init; }
}
