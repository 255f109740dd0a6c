using System.Collections.Immutable;
using Mesh.Contracts.Fleet;

namespace Mesh.Contracts.Credentials;

/// <summary>What a credential may be used for. Each list holds globs (<c>*</c>, <c>?</c>); an empty list means "any".</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialScope")]
public sealed record CredentialScope
{
    /// <summary>Tools, e.g. <c>git</c>.</summary>
    [Id(0)] public ImmutableArray<string> Tools { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Operations, e.g. <c>push</c>.</summary>
    [Id(1)] public ImmutableArray<string> Operations { get; init; } = ImmutableArray<string>.Empty;

    /// <summary>Targets, e.g. <c>github.com/acme/*</c>.</summary>
    [Id(2)] public ImmutableArray<string> Targets { get; init; } = ImmutableArray<string>.Empty;
}

/// <summary>What an operator declares when issuing a credential.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialSpec")]
public sealed record CredentialSpec
{
    /// <summary>Scopes; the credential covers a request when any scope covers it.</summary>
    [Id(0)] public ImmutableArray<CredentialScope> Scopes { get; init; } = ImmutableArray<CredentialScope>.Empty;

    /// <summary>When the credential stops being usable; null: never.</summary>
    [Id(1)] public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>What it is for, for people.</summary>
    [Id(2)] public string? Description { get; init; }
}

/// <summary>A credential as operators see it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialInfo")]
public sealed record CredentialInfo
{
    /// <summary>The id, <c>tenant/credential</c>.</summary>
    [Id(0)] public required string CredentialId { get; init; }

    /// <summary>Stored status (an expired credential still shows Active here; see <see cref="Expired"/>).</summary>
    [Id(1)] public required CredentialStatus Status { get; init; }

    /// <summary>Increases on every rotation.</summary>
    [Id(2)] public long Version { get; init; }

    /// <summary>The spec as issued.</summary>
    [Id(3)] public CredentialSpec? Spec { get; init; }

    /// <summary>When issued.</summary>
    [Id(4)] public DateTimeOffset? IssuedAt { get; init; }

    /// <summary>When the status last changed.</summary>
    [Id(5)] public DateTimeOffset? StatusChangedAt { get; init; }

    /// <summary>True when <see cref="CredentialSpec.ExpiresAt"/> has passed.</summary>
    [Id(6)] public bool Expired { get; init; }

    /// <summary>Who issued it.</summary>
    [Id(7)] public string? IssuedBy { get; init; }

    /// <summary>Who last changed its status or version.</summary>
    [Id(8)] public string? StatusChangedBy { get; init; }

    /// <summary>Why its status last changed.</summary>
    [Id(9)] public string? StatusReason { get; init; }

    /// <summary>What the change reached across the fleet before the call returned (set on the answers of changing calls).</summary>
    [Id(10)] public FleetReceipt? Receipt { get; init; }
}

/// <summary>A credential as every silo's control-plane view holds it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialSnapshot")]
public sealed record CredentialSnapshot
{
    /// <summary>The id.</summary>
    [Id(0)] public required string CredentialId { get; init; }

    /// <summary>Status.</summary>
    [Id(1)] public required CredentialStatus Status { get; init; }

    /// <summary>Version (rotations).</summary>
    [Id(2)] public long Version { get; init; }

    /// <summary>Scopes and expiry.</summary>
    [Id(3)] public CredentialSpec? Spec { get; init; }

    /// <summary>Increases with every change; silos keep the newest they have seen.</summary>
    [Id(4)] public long Revision { get; init; }
}

/// <summary>The answer a decision needs from a credential: is it usable for this, and which version is it.</summary>
[GenerateSerializer]
public enum CredentialCheckOutcome
{
    /// <summary>Usable for this request.</summary>
    Usable = 0,
    /// <summary>Never issued.</summary>
    Unknown = 1,
    /// <summary>Suspended.</summary>
    Suspended = 2,
    /// <summary>Revoked.</summary>
    Revoked = 3,
    /// <summary>Expired.</summary>
    Expired = 4,
    /// <summary>Scopes do not cover the request.</summary>
    OutOfScope = 5,
}

/// <summary>Result of checking a credential for one request.</summary>
[GenerateSerializer, Immutable, Alias("mesh.CredentialCheck")]
public readonly record struct CredentialCheck([property: Id(0)] CredentialCheckOutcome Outcome, [property: Id(1)] long Version);
