using System.Collections.Immutable;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Approvals;
using Mesh.Grains.Policies;
using Mesh.Policy.Compilation;
using Mesh.Silo.Api.Auth;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>
/// What an approval shows to someone whose role cannot vote (an auditor, an operator): the request with its secrets
/// replaced by <see cref="Marker"/>. Secrets are argument and attribute fields whose names read as credentials, the
/// fields the tenant's policy names under <c>audit.secrets</c>, and values that look like a credential: exactly what
/// the audit trail hides. Whoever may vote sees the full request: they decide on it.
/// </summary>
internal static class ApprovalRedaction
{
    /// <summary>What stands in place of a secret.</summary>
    public const string Marker = "[redacted]";

    public static async ValueTask<ApprovalView> ForViewerAsync(ApprovalView view, ClaimsPrincipal user, TenantAuditPolicies audit)
    {
        if (ApiPolicies.Satisfies(user, ApiPolicies.Vote) || view.Subject is not { } subject)
        {
            return view;
        }

        // The policy version the request was decided under names the tenant's secrets; without a tenant (never for a
        // real approval) the built-in rules still apply.
        var policy = MeshKey.TenantOf(subject.AgentId) is { } tenant ? await audit.GetAsync(tenant, view.PolicyVersion) : AuditPolicy.Default;
        return view with { Subject = Redact(subject, policy) };
    }

    public static ApprovalSubject Redact(ApprovalSubject subject, AuditPolicy policy)
    {
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
