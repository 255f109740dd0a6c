using System.Text;

namespace Mesh.Policy.Targets;

/// <summary>
/// Canonical paths: dot segments resolved, empty segments collapsed, escapes of unreserved characters decoded (URLs)
/// or refused (text), and every spelling that parsers resolve differently refused as ambiguous.
/// </summary>
internal static class PathText
{
    /// <summary>How a path is read.</summary>
    internal enum Mode
    {
        /// <summary>The path of a URL: escapes normalised, characters WHATWG encodes are encoded.</summary>
        Url,

        /// <summary>A file path or id: nothing is encoded; escapes that hide a separator, a dot or a letter are ambiguous.</summary>
        Text,

        /// <summary>Text with spaces (a command line): dot segments are resolved, '%' is just a character.</summary>
        CommandLine,
    }

    /// <summary>
    /// Canonicalises <paramref name="path"/>. Returns null when it is already canonical; otherwise the canonical text, or
    /// sets <paramref name="problem"/> when the path has no single reading.
    /// </summary>
    public static string? Normalize(ReadOnlySpan<char> path, Mode mode, out string? problem)
    {
        problem = null;
        if (!NeedsWork(path, mode))
        {
            return null;
        }

        if (mode != Mode.Url && path.Contains('\\') && HasBackslashDotSegment(path))
        {
            problem = "a '.' or '..' segment next to a backslash means a parent folder on Windows and a file name elsewhere";
            return null;
        }

        var absolute = path.Length > 0 && path[0] == '/';
        var segments = new List<string>();
        var trailingSlash = false;
        var sawEmpty = false;
        var sawDotDot = false;
        var rest = absolute ? path[1..] : path;
        while (true)
        {
            var slash = rest.IndexOf('/');
            var raw = slash < 0 ? rest : rest[..slash];
            var last = slash < 0;
            var segment = DecodeSegment(raw, mode, out var encodedDot, out problem);
            if (problem is not null)
            {
                return null;
            }

            if (segment.Length == 0)
            {
                sawEmpty |= !last;
                trailingSlash = last && segments.Count > 0;
            }
            else if (segment is "." or "..")
            {
                if (encodedDot)
                {
                    problem = "an escaped '.' or '..' segment is a parent folder to WHATWG parsers and a name to others";
                    return null;
                }

                if (segment == "..")
                {
                    sawDotDot = true;
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }
                    else if (!absolute)
                    {
                        problem = "'..' climbs above where the relative path starts";
                        return null;
                    }
                }

                trailingSlash = last;
            }
            else
            {
                segments.Add(segment);
                trailingSlash = false;
            }

            if (last)
            {
                break;
            }

            rest = rest[(slash + 1)..];
        }

        if (sawEmpty && sawDotDot)
        {
            // "/a/b//../c" is /a/b/c to WHATWG (the empty segment is popped) and /a/c to a server that merges slashes.
            problem = "'//' together with '..' resolves differently in browsers and in servers that merge slashes";
            return null;
        }

        var builder = new StringBuilder(path.Length);
        if (absolute)
        {
            builder.Append('/');
        }

        for (var i = 0; i < segments.Count; i++)
        {
            if (i > 0)
            {
                builder.Append('/');
            }

            builder.Append(segments[i]);
        }

        if (trailingSlash && segments.Count > 0)
        {
            builder.Append('/');
        }

        return builder.Length == 0 ? "." : builder.ToString();
    }

    /// <summary>Encodes what WHATWG encodes in a query (spaces, quotes, angle brackets, non-ASCII); null when nothing needs it.</summary>
    public static string? NormalizeQuery(ReadOnlySpan<char> query)
    {
        foreach (var c in query)
        {
            if (NeedsEncoding(c, query: true))
            {
                var builder = new StringBuilder(query.Length + 16);
                AppendEncoded(builder, query, query: true);
                return builder.ToString();
            }
        }

        return null;
    }

    // The quick scan: most paths have no escapes, no dot segments, no doubled slashes and nothing to encode.
    private static bool NeedsWork(ReadOnlySpan<char> path, Mode mode)
    {
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if ((c == '%' && mode != Mode.CommandLine) || (mode == Mode.Url && NeedsEncoding(c, query: false)))
            {
                return true;
            }

            if (c == '/' && i + 1 < path.Length && path[i + 1] == '/')
            {
                return true;
            }

            if (c == '.' && (i == 0 || path[i - 1] is '/' or '\\'))
            {
                var end = i + 1 < path.Length && path[i + 1] == '.' ? i + 2 : i + 1;
                if (end == path.Length || path[end] is '/' or '\\')
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool HasBackslashDotSegment(ReadOnlySpan<char> path)
    {
        var start = 0;
        for (var i = 0; i <= path.Length; i++)
        {
            if (i < path.Length && path[i] is not ('/' or '\\'))
            {
                continue;
            }

            var piece = path[start..i];
            var before = start > 0 ? path[start - 1] : '\0';
            var after = i < path.Length ? path[i] : '\0';
            if (piece is "." or ".." && (before == '\\' || after == '\\'))
            {
                return true;
            }

            start = i + 1;
        }

        return false;
    }

    private static string DecodeSegment(ReadOnlySpan<char> raw, Mode mode, out bool encodedDot, out string? problem)
    {
        encodedDot = false;
        problem = null;
        if (mode == Mode.CommandLine)
        {
            return raw.ToString();
        }

        var needs = false;
        foreach (var c in raw)
        {
            if (c == '%' || (mode == Mode.Url && NeedsEncoding(c, query: false)))
            {
                needs = true;
                break;
            }
        }

        if (!needs)
        {
            return raw.ToString();
        }

        var builder = mode == Mode.Url ? new StringBuilder(raw.Length + 8) : null;
        for (var i = 0; i < raw.Length; i++)
        {
            var c = raw[i];
            if (c != '%')
            {
                if (builder is not null)
                {
                    if (NeedsEncoding(c, query: false))
                    {
                        var runeLength = char.IsHighSurrogate(c) && i + 1 < raw.Length ? 2 : 1;
                        AppendEncoded(builder, raw.Slice(i, runeLength), query: false);
                        i += runeLength - 1;
                    }
                    else
                    {
                        builder.Append(c);
                    }
                }

                continue;
            }

            if (i + 2 >= raw.Length || !char.IsAsciiHexDigit(raw[i + 1]) || !char.IsAsciiHexDigit(raw[i + 2]))
            {
                if (mode == Mode.Text)
                {
                    continue;
                }

                problem = "a '%' that starts no escape is kept by browsers and rejected or guessed at by others";
                return string.Empty;
            }

            var value = (char)((HexValue(raw[i + 1]) << 4) | HexValue(raw[i + 2]));
            if (value is '/' or '\\')
            {
                problem = "an escaped '/' or '\\' is a separator to some servers and part of a name to others";
                return string.Empty;
            }

            if (IsUnreserved(value))
            {
                encodedDot |= value == '.';
                if (mode == Mode.Text)
                {
                    problem = $"the escape '%{raw[i + 1]}{raw[i + 2]}' means '{value}' when the target is read as a URL and itself when read as a name";
                    return string.Empty;
                }

                builder!.Append(value);
            }
            else
            {
                builder?.Append('%').Append(char.ToUpperInvariant(raw[i + 1])).Append(char.ToUpperInvariant(raw[i + 2]));
            }

            i += 2;
        }

        return builder?.ToString() ?? raw.ToString();
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    // WHATWG's path percent-encode set (and, for queries, its query set), plus everything outside ASCII.
    private static bool NeedsEncoding(char c, bool query) =>
        c <= ' ' || c >= '\x7f' || c is '"' or '<' or '>' || (!query && c is '`' or '{' or '}');

    private static void AppendEncoded(StringBuilder builder, ReadOnlySpan<char> text, bool query)
    {
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in text.EnumerateRunes())
        {
            if (rune.IsAscii && !NeedsEncoding((char)rune.Value, query))
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var written = rune.EncodeToUtf8(utf8);
            for (var b = 0; b < written; b++)
            {
                builder.Append('%').Append(ToHex(utf8[b] >> 4)).Append(ToHex(utf8[b] & 0xF));
            }
        }
    }

    private static char ToHex(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'A' + nibble - 10);
}
