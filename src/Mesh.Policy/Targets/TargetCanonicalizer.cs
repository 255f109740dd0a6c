using Mesh.Policy.Destinations;

namespace Mesh.Policy.Targets;

/// <summary>
/// Parses a request's target once, at the edge, into its <see cref="CanonicalTarget"/>. Everything after that (rules,
/// credential scopes, conditions, the destination guard, approvals) sees only the canonical form, so a spelling that
/// one parser reads one way and another parser another way can neither pass a deny rule nor widen an allow rule: it
/// is refused as ambiguous.
/// </summary>
/// <remarks>
/// The common targets (a plain URL, a file path, a repository id) are recognised as canonical in one scan and cost no
/// allocation beyond the result and, for URLs, the host text.
/// </remarks>
public static class TargetCanonicalizer
{
    /// <summary>Reads <paramref name="target"/>.</summary>
    /// <param name="target">The target as the agent sent it (at most a few kilobytes, no control characters: the request validator ran first).</param>
    /// <param name="networkTool">True when the tool is a network tool: a scheme-less <c>host/path</c> is then a destination, read as curl reads it.</param>
    public static CanonicalTarget Canonicalize(string? target, bool networkTool)
    {
        if (target is null)
        {
            return CanonicalTarget.Absent;
        }

        var text = target.AsSpan().Trim(' ');
        if (text.IsEmpty)
        {
            return CanonicalTarget.Refused(target, TargetProblem.Malformed, "the target is blank");
        }

        if (text.IndexOfAny('\t', '\r', '\n') >= 0)
        {
            return CanonicalTarget.Refused(target, TargetProblem.Ambiguous, "browsers drop tabs and line breaks inside a URL, other parsers keep them");
        }

        var schemeLength = SchemeCatalog.SchemeLength(text);
        if (schemeLength > 0)
        {
            var scheme = SchemeCatalog.Name(text[..schemeLength]);
            var rest = text[(schemeLength + 1)..];
            if (scheme == "file")
            {
                return ReadFileUrl(target, rest, networkTool);
            }

            if (SchemeCatalog.IsSpecial(scheme) || rest.StartsWith("//"))
            {
                return ReadUrl(target, text, scheme, schemeLength, networkTool);
            }

            // An opaque URI (mailto:, urn:, data:, jar:file:..., unix:/run/x.sock): kept as text, guarded by its scheme.
            var opaque = ReadText(target, text, networkTool);
            return opaque.Problem != TargetProblem.None ? opaque : WithScheme(opaque, scheme, networkTool);
        }

        if (text.StartsWith(@"\\") && !text.Contains('/'))
        {
            // A UNC path: \\host\share\file is //host/share/file.
            return ReadNetworkPath(target, text.ToString().Replace('\\', '/'), networkTool);
        }

        if (text.StartsWith("//"))
        {
            return ReadNetworkPath(target, text.ToString(), networkTool);
        }

        if (networkTool && text[0] is not ('/' or '\\' or '.' or '~') && !IsDrivePath(text))
        {
            return ReadHostPath(target, text);
        }

        return ReadText(target, text, networkTool);
    }

    private static CanonicalTarget ReadUrl(string raw, ReadOnlySpan<char> text, string scheme, int schemeLength, bool networkTool)
    {
        var rest = text[(schemeLength + 1)..];
        if (!rest.StartsWith("//") || (rest.Length > 2 && rest[2] is '/' && SchemeCatalog.IsSpecial(scheme)))
        {
            // http:host, http:/host, http:///host: browsers find the host anyway, RFC 3986 parsers read a path.
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, $"'{scheme}:' is not followed by exactly '//' and a host, so browsers and other parsers read different hosts");
        }

        var afterSlashes = schemeLength + 3;
        var end = text.Length;
        var hash = text[afterSlashes..].IndexOf('#');
        if (hash >= 0)
        {
            end = afterSlashes + hash;
        }

        var body = text[afterSlashes..end];
        var queryStart = body.IndexOf('?');
        var beforeQuery = queryStart < 0 ? body : body[..queryStart];
        if (beforeQuery.Contains('\\'))
        {
            // WHATWG turns '\' into '/' in special URLs (http://a\@b/ is host a); RFC 3986 and curl do not (host b).
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, "a backslash is a '/' to browsers and part of the URL to other parsers");
        }

        var slash = beforeQuery.IndexOf('/');
        var authority = slash < 0 ? beforeQuery : beforeQuery[..slash];
        var path = slash < 0 ? [] : beforeQuery[slash..];
        var query = queryStart < 0 ? [] : body[queryStart..];
        var at = authority.LastIndexOf('@');
        if (at >= 0 && authority[..at].Contains('@'))
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, "more than one '@': parsers disagree on where the user name ends and the host begins");
        }

        var parts = HostReader.Read(authority[(at + 1)..], allowEmpty: !SchemeCatalog.IsSpecial(scheme), out var kind, out var problem);
        if (problem is not null)
        {
            return CanonicalTarget.Refused(raw, kind, problem);
        }

        var port = parts.Port == SchemeCatalog.DefaultPort(scheme) ? null : parts.Port;
        var canonicalPath = PathText.Normalize(path, PathText.Mode.Url, out problem);
        if (problem is not null)
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, problem);
        }

        var pathText = canonicalPath ?? (path.IsEmpty && SchemeCatalog.IsSpecial(scheme) ? "/" : path.ToString());
        var queryText = PathText.NormalizeQuery(query) ?? query.ToString();
        var hostText = parts.AuthorityHost;
        var value = Join(raw, scheme, "://", hostText, HostReader.PortText(port), pathText, queryText);
        var pathAndQuery = pathText.Length + queryText.Length == 0 ? null : string.Concat(pathText, queryText);
        var destinations = parts.Host.Length == 0 ? null : new[] { new Destination(parts.Host, parts.Address, port, scheme, pathAndQuery) };
        return new CanonicalTarget(raw, value, TargetForm.Url)
        {
            Scheme = scheme,
            Host = parts.Host.Length == 0 ? null : parts.Host,
            Address = parts.Address,
            Port = port,
            Path = pathAndQuery,
            Destinations = destinations,
            SchemeCategories = Categories(scheme, networkTool),
        };
    }

    // file:///p, file:/p, file:p and file://host/p; the host 'localhost' is this machine, written as no host.
    private static CanonicalTarget ReadFileUrl(string raw, ReadOnlySpan<char> rest, bool networkTool)
    {
        var hash = rest.IndexOf('#');
        var body = hash < 0 ? rest : rest[..hash];
        if (body.Contains('\\'))
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, "a backslash is a '/' to browsers and part of the URL to other parsers");
        }

        var host = string.Empty;
        ReadOnlySpan<char> path;
        if (body.StartsWith("//") && !body.StartsWith("///"))
        {
            var slash = body[2..].IndexOf('/');
            var authority = slash < 0 ? body[2..] : body.Slice(2, slash);
            path = slash < 0 ? "/" : body[(2 + slash)..];
            if (!authority.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            {
                var parts = HostReader.Read(authority, allowEmpty: true, out var kind, out var problem);
                if (problem is not null)
                {
                    return CanonicalTarget.Refused(raw, kind, problem);
                }

                host = parts.Host;
            }
        }
        else
        {
            path = body.TrimStart('/');
        }

        var absolute = "/" + path.TrimStart('/').ToString();
        var canonicalPath = PathText.Normalize(absolute, PathText.Mode.Url, out var pathProblem);
        if (pathProblem is not null)
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, pathProblem);
        }

        var pathText = canonicalPath ?? absolute;
        return new CanonicalTarget(raw, Join(raw, "file", "://", host, null, pathText, null), TargetForm.Url)
        {
            Scheme = "file",
            Host = host.Length == 0 ? null : host,
            Path = pathText,
            Destinations = host.Length == 0 ? null : new[] { new Destination(host, null, null, "file", pathText) },
            SchemeCategories = Categories("file", networkTool),
        };
    }

    // //host/path (a network-path reference, or a UNC path with its backslashes turned around).
    private static CanonicalTarget ReadNetworkPath(string raw, string text, bool networkTool)
    {
        if (text.Contains('\\'))
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, "a backslash is a '/' to browsers and part of the path to other parsers");
        }

        var body = text.AsSpan(2);
        var slash = body.IndexOfAny('/', '?', '#');
        var authority = slash < 0 ? body : body[..slash];
        var at = authority.LastIndexOf('@');
        var parts = HostReader.Read(authority[(at + 1)..], allowEmpty: false, out var kind, out var problem);
        if (problem is not null)
        {
            return networkTool ? CanonicalTarget.Refused(raw, kind, problem) : ReadText(raw, text, networkTool);
        }

        var rest = slash < 0 ? ReadOnlySpan<char>.Empty : body[slash..];
        var canonicalRest = PathText.Normalize(rest, PathText.Mode.Text, out problem);
        if (problem is not null)
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, problem);
        }

        var hostText = parts.AuthorityHost;
        var portText = HostReader.PortText(parts.Port);
        var pathText = canonicalRest ?? rest.ToString();
        return new CanonicalTarget(raw, Join(raw, "//", hostText, portText, pathText, null, null), TargetForm.HostPath)
        {
            Host = parts.Host,
            Address = parts.Address,
            Port = parts.Port,
            Path = pathText.Length == 0 ? null : pathText,
            Destinations = new[] { new Destination(parts.Host, parts.Address, parts.Port, null, pathText.Length == 0 ? null : pathText) },
        };
    }

    // A network tool's scheme-less target, read as curl reads it: [user@]host[:port][/path].
    private static CanonicalTarget ReadHostPath(string raw, ReadOnlySpan<char> text)
    {
        var end = text.IndexOfAny('/', '?', '#');
        var authority = end < 0 ? text : text[..end];
        if (authority.Contains('\\'))
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, "a backslash is a '/' to browsers and part of the host to other parsers");
        }

        var at = authority.LastIndexOf('@');
        if (at >= 0 && authority[..at].Contains('@'))
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, "more than one '@': parsers disagree on where the user name ends and the host begins");
        }

        var parts = HostReader.Read(authority[(at + 1)..], allowEmpty: false, out var kind, out var problem);
        if (problem is not null)
        {
            return CanonicalTarget.Refused(raw, kind, problem);
        }

        var rest = end < 0 ? ReadOnlySpan<char>.Empty : text[end..];
        var hash = rest.IndexOf('#');
        rest = hash < 0 ? rest : rest[..hash];
        var queryStart = rest.IndexOf('?');
        var path = queryStart < 0 ? rest : rest[..queryStart];
        var query = queryStart < 0 ? [] : rest[queryStart..];
        if (path.Contains('\\'))
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, "a backslash is a '/' to browsers and part of the path to other parsers");
        }

        var canonicalPath = PathText.Normalize(path, PathText.Mode.Url, out problem);
        if (problem is not null)
        {
            return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, problem);
        }

        var hostText = parts.AuthorityHost;
        var portText = HostReader.PortText(parts.Port);
        var pathText = canonicalPath ?? path.ToString();
        var queryText = PathText.NormalizeQuery(query) ?? query.ToString();
        var pathAndQuery = pathText.Length + queryText.Length == 0 ? null : string.Concat(pathText, queryText);
        return new CanonicalTarget(raw, Join(raw, hostText, portText, pathText, queryText, null, null), TargetForm.HostPath)
        {
            Host = parts.Host,
            Address = parts.Address,
            Port = parts.Port,
            Path = pathAndQuery,
            Destinations = new[] { new Destination(parts.Host, parts.Address, parts.Port, null, pathAndQuery) },
        };
    }

    // Paths, ids and command lines: dot segments resolved, Windows drive paths with '/', case and spaces kept. The
    // destination parser still reads what could be a host (host:port, an IP literal, localhost) for the guard.
    private static CanonicalTarget ReadText(string raw, ReadOnlySpan<char> text, bool networkTool)
    {
        string? converted = null;
        if (IsDrivePath(text) && text.Contains('\\'))
        {
            converted = text.ToString().Replace('\\', '/');
            text = converted;
        }

        string? canonical = null;
        if (text.IndexOf("://", StringComparison.Ordinal) < 0)
        {
            var drive = IsDrivePath(text) ? 2 : 0;
            var mode = text.Contains(' ') ? PathText.Mode.CommandLine : PathText.Mode.Text;
            var normalized = PathText.Normalize(text[drive..], mode, out var problem);
            if (problem is not null)
            {
                return CanonicalTarget.Refused(raw, TargetProblem.Ambiguous, problem);
            }

            if (normalized is not null)
            {
                canonical = drive == 0 ? normalized : string.Concat(text[..drive], normalized);
            }
        }

        var value = canonical ?? converted ?? (text.Length == raw.Length ? raw : text.ToString());
        var result = new CanonicalTarget(raw, value, TargetForm.Text);
        if (!DestinationParser.TryParse(value, networkTool, out var readings))
        {
            return result;
        }

        var first = readings[0];
        return new CanonicalTarget(raw, value, TargetForm.Text)
        {
            Scheme = first.Scheme,
            Host = first.Host,
            Address = first.Address,
            Port = first.Port,
            Path = first.Path,
            Destinations = readings,
        };
    }

    private static CanonicalTarget WithScheme(CanonicalTarget text, string scheme, bool networkTool)
    {
        var categories = Categories(scheme, networkTool);
        return categories == DestinationCategory.None && text.Scheme is not null ? text : new CanonicalTarget(text.Raw, text.Value, text.Form)
        {
            Scheme = scheme,
            Host = text.Host,
            Address = text.Address,
            Port = text.Port,
            Path = text.Path,
            Destinations = text.Destinations,
            SchemeCategories = categories,
        };
    }

    private static DestinationCategory Categories(string scheme, bool networkTool) =>
        SchemeCatalog.IsLocal(scheme) ? DestinationCategory.Local
        : networkTool && !SchemeCatalog.IsWeb(scheme) ? DestinationCategory.OtherScheme
        : DestinationCategory.None;

    private static bool IsDrivePath(ReadOnlySpan<char> text) =>
        text.Length >= 2 && char.IsAsciiLetter(text[0]) && text[1] == ':' && (text.Length == 2 || text[2] is '/' or '\\');

    // The canonical text, reusing the agent's own string when it is already canonical (the common case).
    private static string Join(string raw, string? a, string? b, string? c, string? d, string? e, string? f)
    {
        var length = (a?.Length ?? 0) + (b?.Length ?? 0) + (c?.Length ?? 0) + (d?.Length ?? 0) + (e?.Length ?? 0) + (f?.Length ?? 0);
        if (length == raw.Length)
        {
            var rest = raw.AsSpan();
            if (Consume(ref rest, a) && Consume(ref rest, b) && Consume(ref rest, c) && Consume(ref rest, d) && Consume(ref rest, e) && Consume(ref rest, f))
            {
                return raw;
            }
        }

        return string.Concat(string.Concat(a, b, c), string.Concat(d, e, f));
    }

    private static bool Consume(ref ReadOnlySpan<char> rest, string? part)
    {
        if (part is null)
        {
            return true;
        }

        if (!rest.StartsWith(part, StringComparison.Ordinal))
        {
            return false;
        }

        rest = rest[part.Length..];
        return true;
    }
}
