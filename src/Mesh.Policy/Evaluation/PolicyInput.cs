using System.Collections.Immutable;

namespace Mesh.Policy.Evaluation;

/// <summary>
/// Everything a policy can see of one request: the request itself, the agent, the credential, the session and the
/// time. A struct passed by reference, so evaluation allocates nothing. Unset values read as missing attributes.
/// </summary>
public readonly struct PolicyInput
{
    /// <summary>Tool.</summary>
    public required string Tool { get; init; }

    /// <summary>Operation.</summary>
    public required string Operation { get; init; }

    /// <summary>Target as sent.</summary>
    public string? Target { get; init; }

    /// <summary>Host of a network target (lower case, no trailing dot).</summary>
    public string? TargetHost { get; init; }

    /// <summary>IP of a network target whose host is an address, in canonical form.</summary>
    public string? TargetIp { get; init; }

    /// <summary>Port of a network target.</summary>
    public int? TargetPort { get; init; }

    /// <summary>Path of a URL target.</summary>
    public string? TargetPath { get; init; }

    /// <summary>Scheme of a URL target.</summary>
    public string? TargetScheme { get; init; }

    /// <summary>Workflow.</summary>
    public string? Workflow { get; init; }

    /// <summary>Session id.</summary>
    public string? SessionId { get; init; }

    /// <summary>Data labels the request carries.</summary>
    public ImmutableArray<string> Labels { get; init; }

    /// <summary>Free-form request attributes.</summary>
    public ImmutableDictionary<string, string>? Attributes { get; init; }

    /// <summary>Evidence the request presents.</summary>
    public ImmutableDictionary<string, string>? Evidence { get; init; }

    /// <summary>Agent id.</summary>
    public string? AgentId { get; init; }

    /// <summary>Tenant.</summary>
    public string? Tenant { get; init; }

    /// <summary>The agent's roles.</summary>
    public ImmutableArray<string> Roles { get; init; }

    /// <summary>Parent agent id.</summary>
    public string? ParentAgentId { get; init; }

    /// <summary>The agent's owner.</summary>
    public string? Owner { get; init; }

    /// <summary>Credential id.</summary>
    public string? CredentialId { get; init; }

    /// <summary>Credential version.</summary>
    public long? CredentialVersion { get; init; }

    /// <summary>Labels of the data the agent has already handled in this session.</summary>
    public ImmutableArray<string> SessionLabels { get; init; }

    /// <summary>Actions allowed so far in this session.</summary>
    public int SessionActions { get; init; }

    /// <summary>When the decision is made (UTC).</summary>
    public DateTimeOffset Now { get; init; }
}
