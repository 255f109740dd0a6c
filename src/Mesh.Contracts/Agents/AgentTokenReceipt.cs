namespace Mesh.Contracts.Agents;

/// <summary>The answer to a registration or token rotation: the only time the agent token is ever shown.</summary>
[GenerateSerializer, Immutable, Alias("mesh.AgentTokenReceipt")]
public sealed record AgentTokenReceipt
{
    /// <summary>The agent id.</summary>
    [Id(0)] public required string AgentId { get; init; }

    /// <summary>The agent token. Mesh keeps only its hash; store it in the runtime's secret store.</summary>
    [Id(1)] public required string Token { get; init; }

    /// <summary>When the token was issued.</summary>
    [Id(2)] public required DateTimeOffset IssuedAt { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"AgentTokenReceipt {{ AgentId = {AgentId}, Token = <redacted>, IssuedAt = {IssuedAt:O} }}";
}
