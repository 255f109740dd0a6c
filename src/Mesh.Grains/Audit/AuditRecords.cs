using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Decisions;
using Mesh.Policy.Compilation;

namespace Mesh.Grains.Audit;

/// <summary>
/// Builds the records of the agent streams (decisions and outcomes) and of the tenant streams (entries). This is the
/// one place that decides what of a request reaches the store: the agent token never does; values of secret fields
/// are replaced by their hash; arguments only when the policy keeps them.
/// </summary>
internal static class AuditRecords
{
    private const int UnverifiedFieldLength = 128;

    /// <summary>
    /// The record of a decision. <paramref name="trusted"/> is false when an authenticated request was refused as
    /// malformed: then only its tool and operation are kept, cut short. (Unauthenticated requests get
    /// <see cref="Unauthenticated"/> instead.)
    /// </summary>
    public static AuditRecord Decision(
        string agentId, string tenant, ActionRequest request, Decision decision, AuditPolicy policy, bool trusted, long sequence, string previousHash)
    {
        var detail = AuditText.EmptyMap;
        if (decision.RetryAfter is { } retry)
        {
            detail = detail.Add("retry_after_ms", ((long)retry.TotalMilliseconds).ToString(CultureInfo.InvariantCulture));
        }

        if (!decision.MissingEvidence.IsEmpty)
        {
            detail = detail.Add("missing_evidence", string.Join(',', decision.MissingEvidence));
        }

        if (!decision.ResolvedAddresses.IsEmpty)
        {
            detail = detail.Add("resolved_addresses", string.Join(',', decision.ResolvedAddresses));
        }

        return new AuditRecord
        {
            Stream = agentId,
            Sequence = sequence,
            Time = AuditText.ToMicroseconds(decision.DecidedAt),
            Kind = AuditKind.Decision,
            Tenant = tenant,
            Actor = agentId,
            AgentId = agentId,
            RequestId = Cut(request.RequestId, trusted),
            ApprovalId = decision.ApprovalId,
            Effect = decision.Effect.ToWire(),
            Reason = decision.Reason.ToWire(),
            RuleId = decision.RuleId,
            PolicyVersion = decision.PolicyVersion == 0 ? null : decision.PolicyVersion,
            CredentialId = trusted ? request.CredentialId : null,
            CredentialVersion = decision.CredentialVersion,
            Message = decision.Message,
            Request = trusted ? Request(request, policy) : Untrusted(request),
            Detail = detail,
            PreviousHash = previousHash,
        };
    }

    /// <summary>
    /// The placeholder recorded for requests refused because their agent token was missing or wrong. The caller is not
    /// known to be the agent, so nothing it sent (request id, tool, target) enters the agent's stream: only how many
    /// such requests were refused since the last placeholder.
    /// </summary>
    public static AuditRecord Unauthenticated(string agentId, string tenant, Decision decision, long refused, long sequence, string previousHash) => new()
    {
        Stream = agentId,
        Sequence = sequence,
        Time = AuditText.ToMicroseconds(decision.DecidedAt),
        Kind = AuditKind.Decision,
        Tenant = tenant,
        Actor = "unauthenticated",
        AgentId = agentId,
        Effect = decision.Effect.ToWire(),
        Reason = decision.Reason.ToWire(),
        Message = string.Create(CultureInfo.InvariantCulture, $"{refused} request(s) with a missing or wrong agent token were refused; what they asked is not recorded, since the caller is not known to be this agent."),
        Detail = AuditText.EmptyMap.Add("refused", refused.ToString(CultureInfo.InvariantCulture)),
        PreviousHash = previousHash,
    };

    /// <summary>The record of an outcome the runtime reported.</summary>
    public static AuditRecord Outcome(string agentId, string tenant, OutcomeReport report, string? decisionId, DateTimeOffset now, long sequence, string previousHash)
    {
        var detail = AuditText.EmptyMap.Add("success", report.Success ? "true" : "false");
        if (report.Changes is { } changes)
        {
            detail = detail.Add("changes", changes);
        }

        if (report.UndoHandle is { } undo)
        {
            detail = detail.Add("undo_handle", undo);
        }

        if (report.Error is { } error)
        {
            detail = detail.Add("error", error);
        }

        return new AuditRecord
        {
            Stream = agentId,
            Sequence = sequence,
            Time = AuditText.ToMicroseconds(now),
            Kind = AuditKind.Outcome,
            Tenant = tenant,
            Actor = agentId,
            AgentId = agentId,
            RequestId = report.RequestId,
            DecisionId = decisionId,
            Message = report.Success ? "The runtime reports the action succeeded." : "The runtime reports the action failed.",
            Detail = detail,
            PreviousHash = previousHash,
        };
    }

    /// <summary>The record of a tenant-stream entry.</summary>
    public static AuditRecord Entry(string stream, AuditEntry entry, DateTimeOffset now, long sequence, string previousHash) => new()
    {
        Stream = stream,
        Sequence = sequence,
        Time = AuditText.ToMicroseconds(now),
        Kind = entry.Kind,
        Tenant = stream,
        Actor = entry.Actor,
        AgentId = entry.AgentId,
        RequestId = entry.RequestId,
        ApprovalId = entry.ApprovalId,
        PolicyVersion = entry.PolicyVersion,
        Message = entry.Message,
        Detail = entry.Detail.Count == 0 ? AuditText.EmptyMap : entry.Detail.WithComparers(StringComparer.Ordinal),
        PreviousHash = previousHash,
    };

    private static AuditedRequest Request(ActionRequest request, AuditPolicy policy)
    {
        var (arguments, digest) = Arguments(request, policy);
        return new AuditedRequest
        {
            Tool = request.Tool,
            Operation = request.Operation,
            Target = request.Target,
            Workflow = request.Workflow,
            SessionId = request.SessionId,
            DataLabels = request.DataLabels,
            Attributes = Redact(request.Attributes, policy),
            Evidence = Redact(request.Evidence, policy),
            ArgumentsDigest = digest,
            Arguments = arguments,
        };
    }

    private static AuditedRequest Untrusted(ActionRequest request) => new()
    {
        Tool = Cut(request.Tool, trusted: false) ?? string.Empty,
        Operation = Cut(request.Operation, trusted: false) ?? string.Empty,
    };

    private static string? Cut(string? value, bool trusted) =>
        trusted || value is null || value.Length <= UnverifiedFieldLength ? value : value[..UnverifiedFieldLength];

    private static ImmutableSortedDictionary<string, string> Redact(ImmutableDictionary<string, string> values, AuditPolicy policy)
    {
        if (values.Count == 0)
        {
            return AuditText.EmptyMap;
        }

        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values)
        {
            builder[key] = policy.IsSecret(key, value) ? AuditText.HashSecret(value) : value;
        }

        return builder.ToImmutable();
    }

    // Arguments are caller-chosen text: parsing stops at this depth with a JsonException (the digest then stands for
    // them), which also bounds the recursion of RedactJson below.
    private static readonly JsonDocumentOptions ArgumentsReading = new() { MaxDepth = 64 };

    // Arguments are kept only when the policy says so, only when they are JSON (so secret keys can be found at any
    // depth), and always with those keys' values hashed. Otherwise the digest stands for them.
    private static (string? Arguments, string? Digest) Arguments(ActionRequest request, AuditPolicy policy)
    {
        var digest = request.ArgumentsDigest ?? (request.Arguments is { } text ? Agents.RequestValidator.DigestOf(text) : null);
        if (!policy.KeepArguments || request.Arguments is not { } arguments)
        {
            return (null, digest);
        }

        try
        {
            var node = JsonNode.Parse(arguments, documentOptions: ArgumentsReading);
            if (node is null)
            {
                return (null, digest);
            }

            SecretRedaction.RedactJson(node, policy, AuditText.HashSecret);
            return (node.ToJsonString(), digest);
        }
        catch (JsonException)
        {
            return (null, digest);
        }
    }
}
