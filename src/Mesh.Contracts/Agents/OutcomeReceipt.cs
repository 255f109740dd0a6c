namespace Mesh.Contracts.Agents;

/// <summary>The mesh's acknowledgement of an outcome report.</summary>
[GenerateSerializer, Immutable, Alias("mesh.OutcomeReceipt")]
public sealed record OutcomeReceipt
{
    /// <summary>The <see cref="Error"/> of a report refused because the agent is unknown or its token is wrong.</summary>
    public const string UnauthenticatedError = "unknown agent or bad token";

    /// <summary>True when the report was accepted.</summary>
    [Id(0)] public required bool Accepted { get; init; }

    /// <summary>Why a report was not accepted.</summary>
    [Id(1)] public string? Error { get; init; }

    /// <summary>When the mesh received it.</summary>
    [Id(2)] public DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The id of the outcome's audit record, once it is recorded.</summary>
    [Id(3)] public string? AuditId { get; init; }
}
