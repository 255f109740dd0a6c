namespace Mesh.Policy.Targets;

/// <summary>Why a target has no single canonical reading.</summary>
public enum TargetProblem
{
    /// <summary>The target has one canonical reading.</summary>
    None,

    /// <summary>
    /// Mainstream parsers (WHATWG URL as in browsers and Node, RFC 3986 as in .NET, curl, a file system) would read the
    /// target differently, so no rule can be sure what it names. Mesh denies it.
    /// </summary>
    Ambiguous,

    /// <summary>The target claims a form (a URL, a host) that it does not have: no client could use it as written.</summary>
    Malformed,
}
