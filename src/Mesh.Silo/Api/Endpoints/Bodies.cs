using System.Collections.Immutable;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Credentials;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Tokens;
using Mesh.Policy.Compilation;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api.Endpoints;

// Request and response bodies of the HTTP API. Request bodies are strict (unknown fields are refused) and map to
// the grain contracts in one place each.

/// <summary>Body of <c>POST /v1/agents</c>.</summary>
internal sealed record RegisterAgentBody
{
    public required string AgentId { get; init; }
    public string[]? Roles { get; init; }
    public string[]? Credentials { get; init; }
    public string? Parent { get; init; }
    public string? Owner { get; init; }
    public RateLimitBody? RateLimit { get; init; }
    public Dictionary<string, RateLimitBody>? ToolRateLimits { get; init; }

    /// <summary>Grant credentials that will be issued after the agent is registered (otherwise an unissued one is refused).</summary>
    public bool AllowUnissuedCredentials { get; init; }

    internal AgentRegistration ToRegistration() => new()
    {
        AllowUnissuedCredentials = AllowUnissuedCredentials,
        Roles = Roles is null ? [] : [.. Roles],
        Credentials = Credentials is null ? [] : [.. Credentials],
        ParentAgentId = Parent,
        Owner = Owner,
        RateLimit = RateLimit?.ToRateLimit("rateLimit"),
        ToolRateLimits = ToolRateLimits is null
            ? ImmutableDictionary<string, RateLimit>.Empty
            : ToolRateLimits.ToImmutableDictionary(p => p.Key, p => p.Value.ToRateLimit($"toolRateLimits.{p.Key}"), StringComparer.Ordinal),
    };
}

/// <summary>A rate limit: <c>permits</c> per <c>per</c> (a duration such as <c>1s</c>, <c>1m</c>), holding at most <c>burst</c>.</summary>
internal sealed record RateLimitBody
{
    public required int Permits { get; init; }
    public required string Per { get; init; }
    public int Burst { get; init; }

    internal RateLimit ToRateLimit(string field) => Durations.TryParse(Per, out var per)
        ? new RateLimit { Permits = Permits, Per = per, Burst = Burst }
        : throw ApiProblem.BadRequest("invalid_argument", $"{field}.per '{Per}' is not a duration such as 1s, 1m or 1h.");
}

/// <summary>Body with an optional reason (pause, suspend, revoke, emergency stop).</summary>
internal sealed record ReasonBody
{
    public string? Reason { get; init; }
}

/// <summary>A credential scope; each list holds globs, an empty list means any.</summary>
internal sealed record ScopeBody
{
    public string[]? Tools { get; init; }
    public string[]? Operations { get; init; }
    public string[]? Targets { get; init; }

    internal CredentialScope ToScope() => new()
    {
        Tools = Tools is null ? [] : [.. Tools],
        Operations = Operations is null ? [] : [.. Operations],
        Targets = Targets is null ? [] : [.. Targets],
    };
}

/// <summary>Body of <c>POST /v1/credentials</c>.</summary>
internal sealed record IssueCredentialBody
{
    public required string CredentialId { get; init; }
    public ScopeBody[]? Scopes { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? Description { get; init; }

    internal CredentialSpec ToSpec() => new()
    {
        Scopes = Scopes is null ? [] : [.. Scopes.Select(s => s.ToScope())],
        ExpiresAt = ExpiresAt,
        Description = Description,
    };
}

/// <summary>Body of a credential rotation: a new spec, or nothing to keep the current one.</summary>
internal sealed record RotateCredentialBody
{
    public ScopeBody[]? Scopes { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public string? Description { get; init; }

    internal CredentialSpec? ToSpec() => Scopes is null
        ? null
        : new CredentialSpec { Scopes = [.. Scopes.Select(s => s.ToScope())], ExpiresAt = ExpiresAt, Description = Description };
}

/// <summary>Body of a vote.</summary>
internal sealed record VoteBody
{
    public required bool Approve { get; init; }
    public string? Comment { get; init; }
}

/// <summary>Body of <c>POST /v1/tokens</c>.</summary>
internal sealed record CreateTokenBody
{
    public required string Name { get; init; }
    public required ApiRole[] Roles { get; init; }
    public string[]? Groups { get; init; }
}

/// <summary>Body of <c>POST /v1/decide</c>: an action request; the agent token travels in the Authorization header.</summary>
internal record DecideBody
{
    public required string RequestId { get; init; }
    public required string AgentId { get; init; }
    public required string Tool { get; init; }
    public required string Operation { get; init; }
    public string? Target { get; init; }
    public string? CredentialId { get; init; }
    public string[]? DataLabels { get; init; }
    public string? Workflow { get; init; }
    public string? SessionId { get; init; }
    public Dictionary<string, string>? Attributes { get; init; }
    public Dictionary<string, string>? Evidence { get; init; }
    public string? ArgumentsDigest { get; init; }
    public string? Arguments { get; init; }
    public string? ApprovalId { get; init; }

    internal ActionRequest ToRequest(string agentToken) => new()
    {
        RequestId = RequestId,
        AgentId = AgentId,
        AgentToken = agentToken,
        Tool = Tool,
        Operation = Operation,
        Target = Target,
        CredentialId = CredentialId,
        DataLabels = DataLabels is null ? [] : [.. DataLabels],
        Workflow = Workflow,
        SessionId = SessionId,
        Attributes = Attributes?.ToImmutableDictionary(StringComparer.Ordinal) ?? ImmutableDictionary<string, string>.Empty,
        Evidence = Evidence?.ToImmutableDictionary(StringComparer.Ordinal) ?? ImmutableDictionary<string, string>.Empty,
        ArgumentsDigest = ArgumentsDigest,
        Arguments = Arguments,
        ApprovalId = ApprovalId,
    };
}

/// <summary>Body of <c>POST /v1/outcomes</c>; the agent token travels in the Authorization header.</summary>
internal sealed record OutcomeBody
{
    public required string RequestId { get; init; }
    public required string AgentId { get; init; }
    public required bool Success { get; init; }
    public string? Changes { get; init; }
    public string? UndoHandle { get; init; }
    public string? Error { get; init; }
}

/// <summary>Body of <c>POST /v1/approvals/{tenant}/{name}/wait</c>.</summary>
internal sealed record WaitBody
{
    public required string AgentId { get; init; }
    public double TimeoutSeconds { get; init; } = 20;
}
