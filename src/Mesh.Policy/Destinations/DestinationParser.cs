using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Policy.Destinations;

/// <summary>
/// Decides whether a request target names a network destination and, if so, which hosts a client could connect to.
/// Where URL parsers disagree (a backslash before <c>@</c>: browsers end the authority there, curl does not) every
/// reading is returned, the browser's first, so a caller can block when any of them is blocked.
/// </summary>
public static class DestinationParser
{
    private const int MaxNesting = 3;
    private static readonly SearchValues<char> AuthorityEndWhatwg = SearchValues.Create("/\\?#");
    private static readonly SearchValues<char> AuthorityEndRfc = SearchValues.Create("/?#");
    private static readonly string[] KnownSchemes = ["http", "https", "ws", "wss", "ftp", "file", "mailto", "data", "javascript", "about", "tel", "sms", "urn"];
    private static readonly SearchValues<char> SchemeChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    private enum HostKind
    {
        Empty,
        Name,
        Malformed,
        IPv6,
        IPv4,
        IPv4BareNumber,
    }

    /// <summary>
    /// True when <paramref name="target"/> names a network destination: an absolute URL with an authority (any scheme
    /// followed by <c>//</c>; for http, https, ws, wss and ftp also the slash-less and backslash spellings browsers
    /// accept), an IP literal in any spelling (optionally with <c>:port</c>, optionally bracketed IPv6), <c>host:port</c>,
    /// or, when <paramref name="treatBareHostAsNetwork"/> is true, a bare host name read as curl reads it. Known dangerous
    /// names (<c>localhost</c>, <c>*.localhost</c>, cloud metadata names) are always network. File paths, repository ids
    /// such as <c>github.com/acme/app</c>, and opaque URIs (mailto:, data:, ...) are not.
    /// </summary>
    /// <param name="target">The request's target as the agent sent it.</param>
    /// <param name="treatBareHostAsNetwork">True when the tool is a network tool (http, fetch, browser, ...).</param>
    /// <param name="candidates">Every reading of the target as a destination, the browser's first; empty when false.</param>
    /// <remarks>
    /// Without a network tool, a single decimal or octal number (<c>42</c>) is not read as an address, and
    /// <c>name@1.2.3</c> is not read as userinfo, so ids and package specs do not count as destinations.
    /// </remarks>
    public static bool TryParse(string? target, bool treatBareHostAsNetwork, out IReadOnlyList<Destination> candidates)
    {
        candidates = [];
        if (string.IsNullOrEmpty(target))
        {
            return false;
        }

        var text = Clean(target);
        if (text.Length == 0)
        {
            return false;
        }

        List<Destination>? found = null;
        Collect(text, treatBareHostAsNetwork, depth: 0, ref found);
        if (found is null)
        {
            return false;
        }

        candidates = found;
        return true;
    }

    /// <summary>Parses an IPv6 literal without brackets, ignoring a zone id (<c>fe80::1%eth0</c>, <c>fe80::1%25eth0</c>).</summary>
    internal static bool TryParseIPv6(ReadOnlySpan<char> text, out IPAddress address)
    {
        var zone = text.IndexOf('%');
        if (zone >= 0)
        {
            text = text[..zone];
        }

        if (text.Contains(':') && IPAddress.TryParse(text, out var parsed) && parsed.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address = parsed;
            return true;
        }

        address = IPAddress.IPv6None;
        return false;
    }

    private static void Collect(string text, bool networkTool, int depth, ref List<Destination>? found)
    {
        var schemeLength = SchemeLength(text);
        if (schemeLength > 0 && !IsPortThenEnd(text.AsSpan(schemeLength + 1)))
        {
            var scheme = SchemeName(text.AsSpan(0, schemeLength));
            var rest = text.AsSpan(schemeLength + 1);
            if (IsSpecialScheme(scheme))
            {
                // Browsers accept any run of '/' and '\' here, or none: http:\\host, http:/host, http:host.
                var slashes = rest.Length - rest.TrimStart("/\\").Length;
                AddAuthority(text, schemeLength + 1 + slashes, scheme, whatwgBackslash: true, strict: false, ref found);
                return;
            }

            if (rest.StartsWith("//") || (scheme == "file" && rest.Length >= 2 && rest[0] is ('/' or '\\') && rest[1] is ('/' or '\\')))
            {
                AddAuthority(text, schemeLength + 3, scheme, whatwgBackslash: scheme == "file", strict: false, ref found);
                return;
            }

            // A URL wrapping another (view-source:http://..., jar:http://host/app.jar!/, blob:https://...) loads the inner one.
            if (depth < MaxNesting && rest.Length > 0 && SchemeLength(rest) > 0)
            {
                Collect(text[(schemeLength + 1)..], networkTool, depth + 1, ref found);
                if (found is not null)
                {
                    return;
                }
            }

            if (IsOpaqueScheme(scheme))
            {
                return;
            }

            // Not a URL: "fe80::1", "github.com:acme/app", "localhost:admin" are read below.
        }

        if (text.Length >= 2 && text[0] is ('/' or '\\') && text[1] is ('/' or '\\'))
        {
            // Protocol-relative URL or UNC path: //host/x, \\host\share.
            var slashes = text.Length - text.AsSpan().TrimStart("/\\").Length;
            AddAuthority(text, slashes, null, whatwgBackslash: true, strict: !networkTool, ref found);
            return;
        }

        if (text[0] is '/' or '\\' or '.' or '~' || IsDrivePath(text))
        {
            return;
        }

        AddAuthority(text, 0, null, whatwgBackslash: true, strict: !networkTool, ref found);
    }

    // Reads the authority starting at 'start'. Browsers (special schemes) end it at '/', '\', '?' or '#'; RFC 3986
    // parsers such as curl do not stop at '\'. Both readings are kept when they differ, the browser's first.
    private static void AddAuthority(string text, int start, string? scheme, bool whatwgBackslash, bool strict, ref List<Destination>? found)
    {
        var rest = text.AsSpan(start);
        var endWhatwg = rest.IndexOfAny(AuthorityEndWhatwg);
        var endRfc = rest.IndexOfAny(AuthorityEndRfc);
        endWhatwg = endWhatwg < 0 ? rest.Length : endWhatwg;
        endRfc = endRfc < 0 ? rest.Length : endRfc;
        var (first, second) = whatwgBackslash ? (endWhatwg, endRfc) : (endRfc, endWhatwg);
        AddFromAuthority(text, start, first, scheme, strict, keepMalformed: true, ref found);
        if (second != first)
        {
            // The other reading only matters when some client could connect to it: a malformed host it is not.
            AddFromAuthority(text, start, second, scheme, strict, keepMalformed: false, ref found);
        }
    }

    private static void AddFromAuthority(string text, int start, int length, string? scheme, bool strict, bool keepMalformed, ref List<Destination>? found)
    {
        var authority = text.AsSpan(start, length);

        // The last '@' ends the userinfo for browsers, Python and Go; with curl's first '@' the host would still contain
        // an '@', which no client connects to.
        var at = authority.LastIndexOf('@');
        var hostPort = authority[(at + 1)..];
        var kind = ParseHostPort(hostPort, out var host, out var address, out var port);
        if (kind == HostKind.Empty
            || (kind == HostKind.Malformed && !keepMalformed)
            || (strict && !QualifiesWithoutNetworkTool(kind, host, port, at >= 0, authority)))
        {
            return;
        }

        var end = start + length;
        var destination = new Destination(host, address, port, scheme, end < text.Length ? text[end..] : null);
        found ??= new List<Destination>(1);
        if (!found.Contains(destination))
        {
            found.Add(destination);
        }
    }

    // Without a network tool only what is unmistakably a destination counts: an address (not a bare number), a dangerous
    // name, or host:port. "name@1.2.3" is a package spec unless a ':' makes it userinfo or scp syntax (git@10.0.0.1:repo).
    private static bool QualifiesWithoutNetworkTool(HostKind kind, string host, int? port, bool hasUserInfo, ReadOnlySpan<char> authority)
    {
        if (hasUserInfo && !authority.Contains(':'))
        {
            return false;
        }

        return kind switch
        {
            HostKind.IPv6 or HostKind.IPv4 => true,
            HostKind.Name => port is not null || AddressClassifier.ClassifyHostName(host) != DestinationCategory.None,
            _ => false,
        };
    }

    private static HostKind ParseHostPort(ReadOnlySpan<char> hostPort, out string host, out IPAddress? address, out int? port)
    {
        host = string.Empty;
        address = null;
        port = null;
        if (hostPort.IsEmpty)
        {
            return HostKind.Empty;
        }

        if (hostPort[0] == '[')
        {
            var close = hostPort.IndexOf(']');
            if (close < 0)
            {
                host = hostPort.ToString();
                return HostKind.Malformed;
            }

            port = ParsePort(hostPort[(close + 1)..]);
            if (!TryParseIPv6(hostPort[1..close], out var v6))
            {
                host = hostPort.ToString();
                return HostKind.Malformed;
            }

            address = v6;
            host = v6.ToString();
            return HostKind.IPv6;
        }

        // An unbracketed IPv6 literal (bare "::1", or "http://::1/" which some parsers accept) is read whole.
        if (hostPort.Count(':') >= 2 && TryParseIPv6(hostPort, out var bare))
        {
            address = bare;
            host = bare.ToString();
            return HostKind.IPv6;
        }

        var colon = hostPort.IndexOf(':');
        var rawHost = colon < 0 ? hostPort : hostPort[..colon];
        if (colon >= 0)
        {
            port = ParsePort(hostPort[colon..]);
        }

        if (rawHost.IsEmpty)
        {
            return HostKind.Empty;
        }

        var normalized = HostText.Normalize(rawHost);
        if (normalized is null)
        {
            host = rawHost.ToString();
            return HostKind.Malformed;
        }

        if (normalized.Length == 0)
        {
            return HostKind.Empty;
        }

        host = normalized;
        var literal = Ipv4Literal.Parse(normalized, out var v4);
        if (literal is Ipv4LiteralKind.Unambiguous or Ipv4LiteralKind.BareNumber)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, v4);
            address = new IPAddress(bytes);
            host = CanonicalText(address, normalized);
            return literal == Ipv4LiteralKind.Unambiguous ? HostKind.IPv4 : HostKind.IPv4BareNumber;
        }

        if (literal == Ipv4LiteralKind.Invalid)
        {
            return HostKind.Malformed;
        }

        // A decoded host can itself be an IPv6 literal or carry characters no name has: %5B%3A%3A1%5D, evil.com%2F.
        if (normalized.Contains(':'))
        {
            var inner = normalized.AsSpan().Trim("[]");
            if (TryParseIPv6(inner, out var decodedV6))
            {
                address = decodedV6;
                host = decodedV6.ToString();
                return HostKind.IPv6;
            }
        }

        return HostText.IsValidName(normalized) ? HostKind.Name : HostKind.Malformed;
    }

    // The address's canonical text, reusing the host string when it is already written that way.
    private static string CanonicalText(IPAddress address, string host)
    {
        Span<char> text = stackalloc char[16];
        return address.TryFormat(text, out var written) && text[..written].SequenceEqual(host) ? host : address.ToString();
    }

    // ":8080" → 8080; anything else (missing, empty, not a number, > 65535) → null.
    private static int? ParsePort(ReadOnlySpan<char> text)
    {
        if (text.Length < 2 || text[0] != ':' || text.Length > 12)
        {
            return null;
        }

        var digits = text[1..];
        if (digits.ContainsAnyExceptInRange('0', '9'))
        {
            return null;
        }

        var value = 0;
        foreach (var c in digits)
        {
            value = (value * 10) + (c - '0');
            if (value > 65535)
            {
                return null;
            }
        }

        return value;
    }

    // A scheme is a letter then letters, digits, '+', '-', '.', then ':'. One letter is a drive (C:\x), not a scheme.
    private static int SchemeLength(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !char.IsAsciiLetter(text[0]))
        {
            return -1;
        }

        var colon = text.IndexOfAnyExcept(SchemeChars);
        return colon >= 2 && text[colon] == ':' ? colon : -1;
    }

    // "localhost:8080", "issue:42", "example.com:443/x": the "scheme" is a host and what follows is a port.
    private static bool IsPortThenEnd(ReadOnlySpan<char> rest)
    {
        var end = rest.IndexOfAnyExceptInRange('0', '9');
        var digits = end < 0 ? rest.Length : end;
        return digits > 0 && (end < 0 || rest[end] is '/' or '\\' or '?' or '#');
    }

    private static bool IsDrivePath(string text) =>
        text.Length >= 2 && char.IsAsciiLetter(text[0]) && text[1] == ':' && (text.Length == 2 || text[2] is '/' or '\\');

    // The common schemes come back as literals, so parsing a URL does not allocate its scheme.
    private static string SchemeName(ReadOnlySpan<char> scheme)
    {
        foreach (var known in KnownSchemes)
        {
            if (scheme.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return scheme.ToString().ToLowerInvariant();
    }

    private static bool IsSpecialScheme(string scheme) => scheme is "http" or "https" or "ws" or "wss" or "ftp";

    private static bool IsOpaqueScheme(string scheme) => scheme is "mailto" or "data" or "javascript" or "about" or "tel" or "sms" or "urn";

    // Leading and trailing C0 controls and spaces go; tabs and newlines inside go too, as browsers drop them.
    private static string Clean(string target)
    {
        var start = 0;
        var end = target.Length;
        while (start < end && target[start] <= ' ')
        {
            start++;
        }

        while (end > start && target[end - 1] <= ' ')
        {
            end--;
        }

        var span = target.AsSpan(start, end - start);
        if (span.IndexOfAny('\t', '\r', '\n') < 0)
        {
            return span.Length == target.Length ? target : span.ToString();
        }

        return string.Create(span.Length - span.Count('\t') - span.Count('\r') - span.Count('\n'), (target, start, end), static (destination, state) =>
        {
            var length = 0;
            foreach (var c in state.target.AsSpan(state.start, state.end - state.start))
            {
                if (c is not ('\t' or '\r' or '\n'))
                {
                    destination[length++] = c;
                }
            }
        });
    }
}
