using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts.Approvals;
using Mesh.Policy.Compilation;
using Mesh.Silo.Api.Auth;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>
/// What an approval shows to someone whose role cannot vote (an auditor, an operator): the request with its secrets
/// replaced by <see cref="Marker"/>. Secrets are argument and attribute fields whose names read as credentials and
/// values that look like one, as the audit trail judges them. Whoever may vote sees the full request: they decide on it.
/// </summary>
internal static class ApprovalRedaction
{
    /// <summary>What stands in place of a secret.</summary>
    public const string Marker = "[redacted]";

    public static ApprovalView ForViewer(ApprovalView view, ClaimsPrincipal user) =>
        ApiPolicies.Satisfies(user, ApiPolicies.Vote) || view.Subject is not { } subject ? view : view with { Subject = Redact(subject) };

    public static ApprovalSubject Redact(ApprovalSubject subject)
    {
        var policy = AuditPolicy.Default;
        var attributes = subject.Attributes.Any(a => policy.IsSecret(a.Key, a.Value))
            ? subject.Attributes.ToImmutableDictionary(a => a.Key, a => policy.IsSecret(a.Key, a.Value) ? Marker : a.Value)
            : subject.Attributes;
        return subject with
        {
            Arguments = RedactArguments(subject.Arguments, policy),
            Attributes = attributes,
            Target = SecretValues.LooksSecret(subject.Target) ? Marker : subject.Target,
        };
    }

    // JSON arguments keep their shape with secrets replaced; any other text is hidden whole when it holds a secret.
    private static string? RedactArguments(string? arguments, AuditPolicy policy)
    {
        if (string.IsNullOrEmpty(arguments))
        {
            return arguments;
        }

        try
        {
            if (JsonNode.Parse(arguments) is { } node and (JsonObject or JsonArray))
            {
                SecretRedaction.RedactJson(node, policy, _ => Marker);
                return node.ToJsonString();
            }
        }
        catch (JsonException)
        {
            // Not JSON: judged as text below.
        }

        return SecretValues.LooksSecret(arguments) ? Marker : arguments;
    }
}
