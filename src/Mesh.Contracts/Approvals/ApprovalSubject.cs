using System.Collections.Immutable;

namespace Mesh.Contracts.Approvals;

/// <summary>The exact request an approver is asked about, with every argument shown.</summary>
/// <remarks>Carries no token: it is shown to people.</remarks>
[GenerateSerializer, Immutable, Alias("mesh.ApprovalSubject")]
public sealed record ApprovalSubject
{
    /// <summary>The requesting agent.</summary>
    [Id(0)] public required string AgentId { get; init; }

    /// <summary>The agent's owner (who may not approve).</summary>
    [Id(1)] public string? AgentOwner { get; init; }

    /// <summary>The request id that opened the approval.</summary>
    [Id(2)] public required string RequestId { get; init; }

    /// <summary>Tool.</summary>
    [Id(3)] public required string Tool { get; init; }

    /// <summary>Operation.</summary>
    [Id(4)] public required string Operation { get; init; }

    /// <summary>Target.</summary>
    [Id(5)] public string? Target { get; init; }

    /// <summary>Credential.</summary>
    [Id(6)] public string? CredentialId { get; init; }

    /// <summary>Data labels.</summary>
    [Id(7)] public ImmutableArray<string> DataLabels { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Workflow.</summary>
    [Id(8)] public string? Workflow { get; init; }

    /// <summary>Session.</summary>
    [Id(9)] public string? SessionId { get; init; }

    /// <summary>Attributes.</summary>
    [Id(10)] public ImmutableDictionary<string, string> Attributes { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>The full arguments when the runtime sent them.</summary>
    [Id(11)] public string? Arguments { get; init; }

    /// <summary>SHA-256 of the arguments.</summary>
    [Id(12)] public string? ArgumentsDigest { get; init; }

    /// <summary>The rule that asked for approval.</summary>
    [Id(13)] public string? RuleId { get; init; }

    /// <summary>
    /// The addresses the destination guard resolved and checked for the target, when the tool is a network tool;
    /// empty otherwise. Approvers see where the request would actually connect, not only the name it gave.
    /// </summary>
    [Id(14)] public ImmutableArray<string> ResolvedAddresses { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>The labels the agent's session carried when the approval was asked for (what it had already touched).</summary>
    [Id(15)] public ImmutableArray<string> SessionLabels { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>
    /// The description of the rule that asked, when it is a rule of the requesting agent's own policy; null when it
    /// has none or when a parent agent's rule asked.
    /// </summary>
    [Id(16)] public string? RuleDescription { get; init; }
}
