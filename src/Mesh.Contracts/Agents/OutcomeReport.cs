namespace Mesh.Contracts.Agents;

/// <summary>What the runtime reports after executing an allowed action.</summary>
[GenerateSerializer, Immutable, Alias("mesh.OutcomeReport")]
public sealed record OutcomeReport
{
    /// <summary>The request id of the allowed decision.</summary>
    [Id(0)] public required string RequestId { get; init; }

    /// <summary>The agent id, <c>tenant/agent</c>.</summary>
    [Id(1)] public required string AgentId { get; init; }

    /// <summary>The agent token.</summary>
    [Id(2)] public required string AgentToken { get; init; }

    /// <summary>Whether the action succeeded.</summary>
    [Id(3)] public required bool Success { get; init; }

    /// <summary>What changed, in a sentence or a short structured summary.</summary>
    [Id(4)] public string? Changes { get; init; }

    /// <summary>A handle the runtime can use to undo the action.</summary>
    [Id(5)] public string? UndoHandle { get; init; }

    /// <summary>An error message when the action failed.</summary>
    [Id(6)] public string? Error { get; init; }

    /// <summary>Describes the report without its token.</summary>
    public override string ToString() =>
        $"OutcomeReport {{ RequestId = {RequestId}, AgentId = {AgentId}, AgentToken = <redacted>, Success = {Success} }}";
}

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
