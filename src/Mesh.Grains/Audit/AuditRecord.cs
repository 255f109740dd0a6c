using System.Collections.Immutable;
using Mesh.Contracts.Audit;

namespace Mesh.Grains.Audit;

/// <summary>
/// One record of an audit stream, as it is hashed. Every field is covered by the record's hash (see
/// <see cref="AuditCodec"/>), so an edit anywhere breaks the chain. Tokens are never copied in; fields a policy marks
/// as secret are replaced by their hash before the record is built.
/// </summary>
public sealed record AuditRecord
{
    /// <summary>The stream: an agent id (<c>tenant/agent</c>), a tenant id, or <c>_mesh</c> for fleet-wide actions.</summary>
    public required string Stream { get; init; }

    /// <summary>1, 2, 3... within the stream, without gaps.</summary>
    public required long Sequence { get; init; }

    /// <summary>When it happened (UTC, microsecond precision so every store keeps it exactly).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>What it records.</summary>
    public required AuditKind Kind { get; init; }

    /// <summary>The tenant, or <c>_mesh</c>.</summary>
    public required string Tenant { get; init; }

    /// <summary>Who acted: an agent id for its decisions and outcomes, an API token's name, or <c>system</c>.</summary>
    public required string Actor { get; init; }

    /// <summary>The agent the record concerns.</summary>
    public string? AgentId { get; init; }

    /// <summary>The runtime's request id.</summary>
    public string? RequestId { get; init; }

    /// <summary>For an outcome: the id of the decision record it reports on.</summary>
    public string? DecisionId { get; init; }

    /// <summary>The approval involved.</summary>
    public string? ApprovalId { get; init; }

    /// <summary>Decision effect (wire name).</summary>
    public string? Effect { get; init; }

    /// <summary>Decision reason code (wire name).</summary>
    public string? Reason { get; init; }

    /// <summary>The deciding rule.</summary>
    public string? RuleId { get; init; }

    /// <summary>The policy version decided under.</summary>
    public long? PolicyVersion { get; init; }

    /// <summary>The credential used.</summary>
    public string? CredentialId { get; init; }

    /// <summary>The credential's version when decided.</summary>
    public long? CredentialVersion { get; init; }

    /// <summary>The human-readable sentence (decision message, operator action...).</summary>
    public string? Message { get; init; }

    /// <summary>The request as recorded (decisions only).</summary>
    public AuditedRequest? Request { get; init; }

    /// <summary>Kind-specific facts, sorted by key so the encoding is canonical.</summary>
    public ImmutableSortedDictionary<string, string> Detail { get; init; } = AuditText.EmptyMap;

    /// <summary>The previous record's hash (lower-case hex); 64 zeros for the first record of a stream.</summary>
    public required string PreviousHash { get; init; }

    /// <summary>The record's id: <c>stream#sequence</c>.</summary>
    public string Id => AuditText.RecordId(Stream, Sequence);
}

/// <summary>A request as the audit trail keeps it.</summary>
public sealed record AuditedRequest
{
    /// <summary>Tool.</summary>
    public required string Tool { get; init; }

    /// <summary>Operation.</summary>
    public required string Operation { get; init; }

    /// <summary>Target.</summary>
    public string? Target { get; init; }

    /// <summary>Workflow.</summary>
    public string? Workflow { get; init; }

    /// <summary>Session.</summary>
    public string? SessionId { get; init; }

    /// <summary>Data labels.</summary>
    public ImmutableArray<string> DataLabels { get; init; } = [];

    /// <summary>Attributes; values of secret keys are <c>sha256:…</c>.</summary>
    public ImmutableSortedDictionary<string, string> Attributes { get; init; } = AuditText.EmptyMap;

    /// <summary>Evidence; values of secret keys are <c>sha256:…</c>.</summary>
    public ImmutableSortedDictionary<string, string> Evidence { get; init; } = AuditText.EmptyMap;

    /// <summary>The SHA-256 of the arguments, as the runtime sent or Mesh computed it.</summary>
    public string? ArgumentsDigest { get; init; }

    /// <summary>The arguments, only when the policy keeps them (secret keys hashed).</summary>
    public string? Arguments { get; init; }
}
