using System.Net;
using Mesh.Policy.Destinations;

namespace Mesh.Policy.Targets;

/// <summary>
/// The one reading of a request's target that everything in Mesh decides on: rule and credential scope globs,
/// conditions (<c>request.target.*</c>), the destination guard and approvals. Built once per request by
/// <see cref="TargetCanonicalizer.Canonicalize"/>; a target with no single reading carries a <see cref="Problem"/> and
/// must be denied.
/// </summary>
public sealed class CanonicalTarget
{
    /// <summary>The reading of a request without a target.</summary>
    public static readonly CanonicalTarget Absent = new(null, null, TargetForm.None);

    internal CanonicalTarget(string? raw, string? value, TargetForm form)
    {
        Raw = raw;
        Value = value;
        Form = form;
    }

    /// <summary>The target as the agent sent it.</summary>
    public string? Raw { get; }

    /// <summary>
    /// The canonical text rules and scopes match: for URLs lower-case scheme and host, no userinfo, no default port, one
    /// spelling per IP address, dot segments resolved, unreserved escapes decoded, no fragment. Null when no target was
    /// sent or when <see cref="Problem"/> is set.
    /// </summary>
    public string? Value { get; }

    /// <summary>What kind of thing the target names.</summary>
    public TargetForm Form { get; }

    /// <summary>Why the target has no single reading, or <see cref="TargetProblem.None"/>.</summary>
    public TargetProblem Problem { get; private init; }

    /// <summary>What is ambiguous or malformed, for the deny message; null when <see cref="Problem"/> is none.</summary>
    public string? ProblemMessage { get; private init; }

    /// <summary>The URL scheme in lower case, or null.</summary>
    public string? Scheme { get; internal init; }

    /// <summary>The host in canonical form (lower case, no trailing dot; an IP address in its canonical text), or null.</summary>
    public string? Host { get; internal init; }

    /// <summary>The address when the host is an IP literal in any spelling, or null.</summary>
    public IPAddress? Address { get; internal init; }

    /// <summary>The explicit port when it is not the scheme's default, or null.</summary>
    public int? Port { get; internal init; }

    /// <summary>The path and query after the authority, canonical, or null.</summary>
    public string? Path { get; internal init; }

    /// <summary>
    /// Every reading of the target as a network destination, for the destination guard; null when it names none.
    /// A URL or host-path target has exactly one; a text target may have several (a guard blocks when any is blocked).
    /// </summary>
    public IReadOnlyList<Destination>? Destinations { get; internal init; }

    /// <summary>Categories the scheme alone puts the target in (<see cref="DestinationCategory.Local"/>, <see cref="DestinationCategory.OtherScheme"/>).</summary>
    public DestinationCategory SchemeCategories { get; internal init; }

    /// <summary>True when the guard has something to check: a network destination or a guarded scheme.</summary>
    public bool NeedsGuard => Destinations is not null || SchemeCategories != DestinationCategory.None;

    internal static CanonicalTarget Refused(string raw, TargetProblem problem, string message) =>
        new(raw, null, TargetForm.None) { Problem = problem, ProblemMessage = message };
}
