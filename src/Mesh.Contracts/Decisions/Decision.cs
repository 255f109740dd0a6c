using System.Collections.Immutable;

namespace Mesh.Contracts.Decisions;

/// <summary>The mesh's answer to an <see cref="ActionRequest"/>.</summary>
[GenerateSerializer, Immutable, Alias("mesh.Decision")]
public sealed record Decision
{
    /// <summary>The request this answers.</summary>
    [Id(0)] public required string RequestId { get; init; }

    /// <summary>Allow, deny or require approval.</summary>
    [Id(1)] public required Effect Effect { get; init; }

    /// <summary>Why; a deny always carries a specific code.</summary>
    [Id(2)] public required ReasonCode Reason { get; init; }

    /// <summary>A sentence a person can act on.</summary>
    [Id(3)] public required string Message { get; init; }

    /// <summary>The policy rule that decided, if one did.</summary>
    [Id(4)] public string? RuleId { get; init; }

    /// <summary>The tenant policy version the decision used (0: no policy published, everything default-denied).</summary>
    [Id(5)] public long PolicyVersion { get; init; }

    /// <summary>The credential version the decision saw, if the request named a credential.</summary>
    [Id(6)] public long? CredentialVersion { get; init; }

    /// <summary>For <see cref="Effect.RequireApproval"/>: the approval to wait on and then name in the re-sent request.</summary>
    [Id(7)] public string? ApprovalId { get; init; }

    /// <summary>For <see cref="ReasonCode.RateLimited"/>: when a retry can succeed.</summary>
    [Id(8)] public TimeSpan? RetryAfter { get; init; }

    /// <summary>When the mesh decided.</summary>
    [Id(9)] public DateTimeOffset DecidedAt { get; init; }

    // Empty lists stay default in the fields: one byte on the wire, no allocation; the properties read as empty.
    [Id(10)] private ImmutableArray<string> _missingEvidence;
    [Id(11)] private ImmutableArray<string> _resolvedAddresses;

    /// <summary>
    /// The id of this decision's audit record (<c>agent-id#sequence</c>); a reported outcome links to it. Null only when
    /// no stream exists to record into (an unknown agent) or auditing is switched off.
    /// </summary>
    [Id(12)] public string? AuditId { get; init; }

    /// <summary>
    /// True when this answer repeats an earlier allow for the same request id (an idempotent retry): given only while the
    /// policy version and credential version are unchanged and within a short window of the first answer.
    /// </summary>
    [Id(13)] public bool Replayed { get; init; }

    /// <summary>For <see cref="ReasonCode.EvidenceMissing"/>: the evidence keys the request lacked.</summary>
    public ImmutableArray<string> MissingEvidence
    {
        get => _missingEvidence.IsDefault ? ImmutableArray<string>.Empty : _missingEvidence;
        init => _missingEvidence = value.IsDefaultOrEmpty ? default : value;
    }

    /// <summary>
    /// For an allowed network target: the addresses the destination guard resolved and checked. Connect only to these
    /// (pin them) so a DNS answer that changes after the decision cannot redirect the call.
    /// </summary>
    public ImmutableArray<string> ResolvedAddresses
    {
        get => _resolvedAddresses.IsDefault ? ImmutableArray<string>.Empty : _resolvedAddresses;
        init => _resolvedAddresses = value.IsDefaultOrEmpty ? default : value;
    }

    /// <summary>True only for <see cref="Effect.Allow"/>.</summary>
    public bool IsAllowed => Effect == Effect.Allow;

    /// <summary>Builds a deny with a reason and a message.</summary>
    public static Decision Deny(string requestId, ReasonCode reason, string message, DateTimeOffset at) => new()
    {
        RequestId = requestId,
        Effect = Effect.Deny,
        Reason = reason,
        Message = message,
        DecidedAt = at,
    };
}
