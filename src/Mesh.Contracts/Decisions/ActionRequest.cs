using System.Collections.Immutable;

namespace Mesh.Contracts.Decisions;

/// <summary>
/// What a runtime asks before a tool call: may this agent, holding this credential, perform this operation
/// with this tool on this target, carrying data with these labels, in this workflow?
/// </summary>
[GenerateSerializer, Immutable, Alias("mesh.ActionRequest")]
public sealed record ActionRequest
{
    /// <summary>Idempotency key chosen by the runtime. The same id from the same agent returns the same decision.</summary>
    [Id(0)] public required string RequestId { get; init; }

    /// <summary>The agent's id, <c>tenant/agent</c>.</summary>
    [Id(1)] public required string AgentId { get; init; }

    /// <summary>The agent token issued at registration. It authenticates the runtime and is never stored or logged.</summary>
    [Id(2)] public required string AgentToken { get; init; }

    /// <summary>The tool, e.g. <c>shell</c>, <c>http</c>, <c>git</c>, <c>payments</c>.</summary>
    [Id(3)] public required string Tool { get; init; }

    /// <summary>The operation on the tool, e.g. <c>exec</c>, <c>request</c>, <c>push</c>, <c>charge</c>.</summary>
    [Id(4)] public required string Operation { get; init; }

    /// <summary>What the operation acts on: a URL, a path, a repository, an account.</summary>
    [Id(5)] public string? Target { get; init; }

    /// <summary>The credential the runtime will use, <c>tenant/credential</c>, if any.</summary>
    [Id(6)] public string? CredentialId { get; init; }

    // Empty collections are kept as default/null in the fields, so the wire carries one byte for them instead of a
    // surrogate that allocates on every call; the properties always read as non-null collections.
    [Id(7)] private ImmutableArray<string> _dataLabels;
    [Id(10)] private ImmutableDictionary<string, string>? _attributes;
    [Id(11)] private ImmutableDictionary<string, string>? _evidence;

    /// <summary>Labels of the data the action carries, e.g. <c>confidential</c>.</summary>
    public ImmutableArray<string> DataLabels
    {
        get => _dataLabels.IsDefault ? ImmutableArray<string>.Empty : _dataLabels;
        init => _dataLabels = value.IsDefaultOrEmpty ? default : value;
    }

    /// <summary>The workflow the action belongs to, e.g. <c>release</c>.</summary>
    [Id(8)] public string? Workflow { get; init; }

    /// <summary>The runtime's session; session rules judge a request by what the session already touched.</summary>
    [Id(9)] public string? SessionId { get; init; }

    /// <summary>Free-form attributes policies may test.</summary>
    public ImmutableDictionary<string, string> Attributes
    {
        get => _attributes ?? ImmutableDictionary<string, string>.Empty;
        init => _attributes = value is { Count: > 0 } ? value : null;
    }

    /// <summary>Evidence the runtime presents, e.g. a ticket id or a test-run id.</summary>
    public ImmutableDictionary<string, string> Evidence
    {
        get => _evidence ?? ImmutableDictionary<string, string>.Empty;
        init => _evidence = value is { Count: > 0 } ? value : null;
    }

    /// <summary>Lower-case hex SHA-256 of the UTF-8 arguments. Required when <see cref="Arguments"/> is absent.</summary>
    [Id(12)] public string? ArgumentsDigest { get; init; }

    /// <summary>The full arguments (usually JSON), so approvers see exactly what will run. Optional.</summary>
    [Id(13)] public string? Arguments { get; init; }

    /// <summary>When re-sending a request after approval: the approval id from the earlier decision.</summary>
    [Id(14)] public string? ApprovalId { get; init; }

    /// <summary>Describes the request without its token or arguments, so logging it never leaks a secret.</summary>
    public override string ToString() =>
        $"ActionRequest {{ RequestId = {RequestId}, AgentId = {AgentId}, AgentToken = <redacted>, Tool = {Tool}, Operation = {Operation}, Target = {Target}, CredentialId = {CredentialId}, ApprovalId = {ApprovalId} }}";
}
