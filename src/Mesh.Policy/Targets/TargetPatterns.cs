using Mesh.Policy.Matching;

namespace Mesh.Policy.Targets;

/// <summary>
/// Brings target globs (rule <c>match.targets</c>, credential scopes) into the canonical form targets are read in, so
/// <c>HTTPS://Example.com:443/x*</c> matches what <c>https://example.com/x</c> is canonicalised to.
/// </summary>
public static class TargetPatterns
{
    /// <summary>Compiles target patterns after canonicalising each one.</summary>
    public static GlobSet Compile(IEnumerable<string>? patterns) =>
        patterns is null ? GlobSet.Any : GlobSet.Compile(patterns.Select(Canonicalize));

    /// <summary>
    /// The canonical spelling of a target pattern: for <c>scheme://authority/...</c> patterns the scheme and authority in
    /// lower case, a default port and a trailing dot on the host dropped, a literal IP address in its canonical text,
    /// and a literal path's dot segments resolved; Windows drive paths with '/'. Anything else is returned as written.
    /// </summary>
    public static string Canonicalize(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var text = pattern.Trim(' ');
        if (text.Length >= 3 && char.IsAsciiLetter(text[0]) && text[1] == ':' && text[2] == '\\')
        {
            return text.Replace('\\', '/');
        }

        var schemeEnd = text.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 2 || SchemeCatalog.SchemeLength(text) != schemeEnd)
        {
            return text;
        }

        var scheme = SchemeCatalog.Name(text.AsSpan(0, schemeEnd));
        var afterSlashes = schemeEnd + 3;
        var slash = text.IndexOf('/', afterSlashes);
        var authority = (slash < 0 ? text[afterSlashes..] : text[afterSlashes..slash]).ToLowerInvariant();
        var path = slash < 0 ? string.Empty : text[slash..];
        if (authority.IndexOfAny(['*', '?', '@', '[']) < 0)
        {
            var parts = HostReader.Read(authority, allowEmpty: !SchemeCatalog.IsSpecial(scheme), out _, out var problem);
            if (problem is null)
            {
                authority = parts.AuthorityHost + HostReader.PortText(parts.Port == SchemeCatalog.DefaultPort(scheme) ? null : parts.Port);
            }
        }
        else
        {
            var defaultPort = SchemeCatalog.DefaultPort(scheme);
            if (defaultPort > 0 && authority.EndsWith(":" + defaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
            {
                authority = authority[..authority.LastIndexOf(':')];
            }

            authority = authority.TrimEnd('.');
        }

        // Only a literal path (no wildcard) is resolved: '*' and '?' keep their glob meaning everywhere else.
        if (path.Length > 0 && path.IndexOfAny(['*', '?', '#']) < 0 && PathText.Normalize(path, PathText.Mode.Url, out var pathProblem) is { } canonicalPath && pathProblem is null)
        {
            path = canonicalPath;
        }

        return string.Concat(scheme, "://", authority, path);
    }
}
