namespace Mesh.Policy.Targets;

/// <summary>What kind of thing a target names, as Mesh reads it.</summary>
public enum TargetForm
{
    /// <summary>No target was sent.</summary>
    None,

    /// <summary>
    /// Anything that is not a URL: a file path, a repository id, a command line, an opaque URI such as <c>mailto:</c>.
    /// Its canonical form only resolves dot segments and Windows separators; case and spaces are kept.
    /// </summary>
    Text,

    /// <summary>A URL with an authority (<c>scheme://host/path</c>), including <c>file:</c> URLs.</summary>
    Url,

    /// <summary>
    /// A scheme-less <c>host[:port][/path]</c> sent to a network tool, read as curl reads it; also a network-path
    /// reference or UNC path (<c>//host/path</c>, <c>\\host\share</c>).
    /// </summary>
    HostPath,
}
