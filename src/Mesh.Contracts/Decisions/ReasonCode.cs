namespace Mesh.Contracts.Decisions;

/// <summary>
/// Why a decision came out as it did. Callers switch on the code; the wire form is the snake_case name
/// returned by <see cref="ReasonCodes.ToWire"/>.
/// </summary>
/// <remarks>Never renumber: values are persisted and sent over the wire.</remarks>
[GenerateSerializer]
public enum ReasonCode
{
    /// <summary>A policy rule decided (allow, deny or require approval); see <see cref="Decision.RuleId"/>.</summary>
    Policy = 0,
    /// <summary>No rule allowed the action: default deny.</summary>
    Default = 1,
    /// <summary>The agent is paused.</summary>
    AgentPaused = 2,
    /// <summary>The agent is quarantined.</summary>
    AgentQuarantined = 3,
    /// <summary>The agent's tenant is paused.</summary>
    TenantPaused = 4,
    /// <summary>The credential was revoked.</summary>
    CredentialRevoked = 5,
    /// <summary>The credential is suspended.</summary>
    CredentialSuspended = 6,
    /// <summary>The credential expired.</summary>
    CredentialExpired = 7,
    /// <summary>The credential does not exist, or is not granted to this agent (or to its parents).</summary>
    CredentialUnknown = 8,
    /// <summary>The credential's scopes do not cover this tool, operation or target.</summary>
    OutOfScope = 9,
    /// <summary>A built-in guard blocked the destination.</summary>
    DestinationBlocked = 10,
    /// <summary>A rate limit is exhausted; see <see cref="Decision.RetryAfter"/>.</summary>
    RateLimited = 11,
    /// <summary>Evidence the rule requires is missing; see <see cref="Decision.MissingEvidence"/>.</summary>
    EvidenceMissing = 12,
    /// <summary>The agent token is missing or wrong.</summary>
    BadToken = 13,
    /// <summary>No agent is registered under this id.</summary>
    UnknownAgent = 14,
    /// <summary>The request is malformed or exceeds a size limit; the message says which field.</summary>
    BadRequest = 15,
    /// <summary>The request id was already used for a different request by this agent.</summary>
    RequestIdReused = 16,
    /// <summary>The silo cannot confirm its control-plane view is current.</summary>
    ControlPlaneStale = 17,
    /// <summary>The approval named in the request is still pending.</summary>
    ApprovalPending = 18,
    /// <summary>The approval named in the request was denied or cancelled.</summary>
    ApprovalDenied = 19,
    /// <summary>The approval named in the request expired before it was granted or used.</summary>
    ApprovalExpired = 20,
    /// <summary>The approval does not match this request (other request, other agent or other policy version).</summary>
    ApprovalMismatch = 21,
    /// <summary>The approval was already used once.</summary>
    ApprovalConsumed = 22,
    /// <summary>The parent agent may not do this, so neither may its sub-agent.</summary>
    ParentDenied = 23,
    /// <summary>Mesh failed internally; it fails closed.</summary>
    InternalError = 24,
    /// <summary>The SDK could not reach the mesh in time; it fails closed.</summary>
    MeshUnavailable = 25,
    /// <summary>The fleet-wide emergency stop is engaged.</summary>
    EmergencyStop = 26,

    /// <summary>The decision could not be recorded in the audit trail, so it is denied (fail closed).</summary>
    AuditUnavailable = 27,

    /// <summary>
    /// Mainstream parsers (browsers, RFC 3986 libraries, curl, file systems) would read the target differently, so no
    /// rule can be sure what it names; the message says which part. Send the target in its plain form.
    /// </summary>
    TargetAmbiguous = 28,

    /// <summary>The target claims a form it does not have (a URL whose host or port no client could use).</summary>
    TargetMalformed = 29,
}

/// <summary>Conversions between <see cref="ReasonCode"/> and its stable wire form.</summary>
public static class ReasonCodes
{
    private static readonly string[] WireNames = BuildWireNames();

    /// <summary>The stable snake_case wire name of a reason code, e.g. <c>credential_revoked</c>.</summary>
    public static string ToWire(this ReasonCode code)
    {
        var index = (int)code;
        return (uint)index < (uint)WireNames.Length ? WireNames[index] : "unknown";
    }

    /// <summary>Parses a wire name back into a reason code.</summary>
    public static bool TryParse(string wire, out ReasonCode code)
    {
        var index = Array.IndexOf(WireNames, wire);
        code = (ReasonCode)Math.Max(index, 0);
        return index >= 0;
    }

    private static string[] BuildWireNames()
    {
        var values = Enum.GetValues<ReasonCode>();
        var names = new string[values.Max(v => (int)v) + 1];
        foreach (var value in values)
        {
            names[(int)value] = ToSnakeCase(value.ToString());
        }

        return names;
    }

    private static string ToSnakeCase(string pascal)
    {
        var builder = new System.Text.StringBuilder(pascal.Length + 8);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }

                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
