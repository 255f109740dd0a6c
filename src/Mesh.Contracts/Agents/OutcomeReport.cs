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
