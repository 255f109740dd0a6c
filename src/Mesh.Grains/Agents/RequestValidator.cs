using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Mesh.Contracts.Decisions;
using L = Mesh.Contracts.Decisions.RequestLimits;

namespace Mesh.Grains.Agents;

/// <summary>
/// Checks an action request's shape and sizes before anything looks at it. Returns a message naming the field, or
/// null when the request is well-formed.
/// </summary>
internal static class RequestValidator
{
    public static string? Validate(ActionRequest request, string agentId)
    {
        if (!IsIdentifier(request.RequestId, L.MaxRequestIdLength))
        {
            return $"requestId must be 1-{L.MaxRequestIdLength} printable characters without spaces";
        }

        if (!string.Equals(request.AgentId, agentId, StringComparison.Ordinal))
        {
            return "agentId does not match the agent the request was sent to";
        }

        if (!IsName(request.Tool))
        {
            return $"tool must be 1-{L.MaxNameLength} characters of letters, digits, '.', '_', '-', ':' or '/'";
        }

        if (!IsName(request.Operation))
        {
            return $"operation must be 1-{L.MaxNameLength} characters of letters, digits, '.', '_', '-', ':' or '/'";
        }

        // Targets may hold spaces (a shell command line), never control characters (a newline hides a second command).
        if (request.Target is { } target && (string.IsNullOrWhiteSpace(target) || target.Length > L.MaxTargetLength || HasControl(target)))
        {
            return $"target must be 1-{L.MaxTargetLength} characters, not blank, with no control characters";
        }

        if (request.CredentialId is { } credential && !IsIdentifier(credential, L.MaxIdLength))
        {
            return "credentialId is malformed";
        }

        if (request.Workflow is { } workflow && !IsIdentifier(workflow, L.MaxIdLength))
        {
            return "workflow is malformed";
        }

        if (request.SessionId is { } session && !IsIdentifier(session, L.MaxIdLength))
        {
            return "sessionId is malformed";
        }

        if (request.ApprovalId is { } approval && !IsIdentifier(approval, L.MaxIdLength))
        {
            return "approvalId is malformed";
        }

        return ValidateLabels(request.DataLabels)
            ?? ValidateEntries(request.Attributes, "attributes")
            ?? ValidateEntries(request.Evidence, "evidence")
            ?? ValidateArguments(request);
    }

    private static string? ValidateLabels(ImmutableArray<string> labels)
    {
        if (labels.IsDefault)
        {
            return null;
        }

        if (labels.Length > L.MaxLabels)
        {
            return $"dataLabels has {labels.Length} entries; the limit is {L.MaxLabels}";
        }

        foreach (var label in labels)
        {
            if (!IsIdentifier(label, L.MaxLabelLength))
            {
                return $"each data label must be 1-{L.MaxLabelLength} printable characters without spaces";
            }
        }

        return null;
    }

    private static string? ValidateEntries(ImmutableDictionary<string, string>? entries, string field)
    {
        if (entries is null)
        {
            return null;
        }

        if (entries.Count > L.MaxEntries)
        {
            return $"{field} has {entries.Count} entries; the limit is {L.MaxEntries}";
        }

        foreach (var (key, value) in entries)
        {
            if (!IsIdentifier(key, L.MaxKeyLength) || value is null || value.Length > L.MaxValueLength)
            {
                return $"{field} keys must be 1-{L.MaxKeyLength} printable characters and values at most {L.MaxValueLength} characters";
            }
        }

        return null;
    }

    private static string? ValidateArguments(ActionRequest request)
    {
        if (request.ArgumentsDigest is { } digest && (digest.Length != 64 || !digest.All(char.IsAsciiHexDigitLower)))
        {
            return "argumentsDigest must be 64 lower-case hex characters (SHA-256)";
        }

        if (request.Arguments is not { } arguments)
        {
            return null;
        }

        if (arguments.Length > L.MaxArgumentsLength)
        {
            return $"arguments are {arguments.Length} characters long; the limit is {L.MaxArgumentsLength}";
        }

        if (request.ArgumentsDigest is { } claimed && !string.Equals(claimed, DigestOf(arguments), StringComparison.Ordinal))
        {
            return "argumentsDigest does not match the SHA-256 of arguments";
        }

        return null;
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 text.</summary>
    public static string DigestOf(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static bool IsName(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > L.MaxNameLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsIdentifier(string? value, int max) =>
        !string.IsNullOrEmpty(value) && value.Length <= max && !HasControlOrSpace(value);

    private static bool HasControl(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasControlOrSpace(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || char.IsWhiteSpace(c))
            {
                return true;
            }
        }

        return false;
    }
}
