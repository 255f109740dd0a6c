using System.Collections.Immutable;

namespace Mesh.Contracts.Audit;

/// <summary>
/// A record for a tenant's audit stream (approvals, operator actions, policy changes), as a grain hands it to the
/// stream's owner. The owner adds the sequence number, the time and the hash chain.
/// </summary>
[GenerateSerializer, Immutable, Alias("mesh.AuditEntry")]
public sealed record AuditEntry
{
    /// <summary>What happened.</summary>
    [Id(0)] public required AuditKind Kind { get; init; }

    /// <summary>Who did it: an API token's name, an agent id, or <c>system</c>.</summary>
    [Id(1)] public required string Actor { get; init; }

    /// <summary>The agent it concerns, if any (so a query by agent finds it).</summary>
    [Id(2)] public string? AgentId { get; init; }

    /// <summary>The request it concerns, if any.</summary>
    [Id(3)] public string? RequestId { get; init; }

    /// <summary>The approval it concerns, if any.</summary>
    [Id(4)] public string? ApprovalId { get; init; }

    /// <summary>A short sentence of what happened.</summary>
    [Id(5)] public string? Message { get; init; }

    /// <summary>Kind-specific facts (vote, comment, receipt, version...). Never secrets.</summary>
    [Id(6)] public ImmutableSortedDictionary<string, string> Detail { get; init; } = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary>The policy version it concerns, if any.</summary>
    [Id(7)] public long? PolicyVersion { get; init; }
}

/// <summary>Where a record landed: its stream, sequence number and hash.</summary>
[GenerateSerializer, Immutable, Alias("mesh.AuditReceipt")]
public sealed record AuditReceipt
{
    /// <summary>The record's id: <c>stream#sequence</c>.</summary>
    [Id(0)] public required string RecordId { get; init; }

    /// <summary>The record's SHA-256, lower-case hex.</summary>
    [Id(1)] public required string Hash { get; init; }
}
