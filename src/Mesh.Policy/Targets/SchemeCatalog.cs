using System.Buffers;

namespace Mesh.Policy.Targets;

/// <summary>What Mesh knows about URL schemes: which are special to WHATWG, their default ports, which are local.</summary>
internal static class SchemeCatalog
{
    private static readonly string[] Known = ["http", "https", "ws", "wss", "ftp", "file", "mailto", "data", "javascript", "about", "tel", "sms", "urn", "ssh", "git", "s3", "unix"];
    private static readonly SearchValues<char> SchemeChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.");

    /// <summary>
    /// The length of the scheme at the start of <paramref name="text"/> (a letter, then letters, digits, '+', '-', '.',
    /// then ':'), or -1. One letter is a drive (<c>C:\x</c>); a "scheme" followed by digits and then the end or a
    /// separator is a host and port (<c>localhost:8080</c>, <c>example.com:443/x</c>), except for the special schemes
    /// and <c>file</c>, which are always schemes.
    /// </summary>
    public static int SchemeLength(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty || !char.IsAsciiLetter(text[0]))
        {
            return -1;
        }

        var colon = text.IndexOfAnyExcept(SchemeChars);
        if (colon < 2 || text[colon] != ':')
        {
            return -1;
        }

        // http:2852039166/ is a URL to every WHATWG parser (host 169.254.169.254), never the host "http" and a port.
        foreach (var always in (ReadOnlySpan<string>)["http", "https", "ws", "wss", "ftp", "file"])
        {
            if (text[..colon].Equals(always, StringComparison.OrdinalIgnoreCase))
            {
                return colon;
            }
        }

        var rest = text[(colon + 1)..];
        var end = rest.IndexOfAnyExceptInRange('0', '9');
        var digits = end < 0 ? rest.Length : end;
        return digits > 0 && (end < 0 || rest[end] is '/' or '\\' or '?' or '#') ? -1 : colon;
    }

    /// <summary>The scheme in lower case; the common ones come back as literals, so reading a URL does not allocate them.</summary>
    public static string Name(ReadOnlySpan<char> scheme)
    {
        foreach (var known in Known)
        {
            if (scheme.Equals(known, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return scheme.ToString().ToLowerInvariant();
    }

    /// <summary>WHATWG's special schemes: an authority always follows, and '\' separates like '/'.</summary>
    public static bool IsSpecial(string scheme) => scheme is "http" or "https" or "ws" or "wss" or "ftp";

    /// <summary>Schemes a network tool may use without a rule opening <c>other_schemes</c>.</summary>
    public static bool IsWeb(string scheme) => scheme is "http" or "https" or "ws" or "wss";

    /// <summary>Schemes that name a resource on the local machine.</summary>
    public static bool IsLocal(string scheme) =>
        scheme is "file" or "unix" or "npipe" or "jar" or "netdoc" or "local" or "http+unix" or "https+unix" or "unix+http" or "pipe";

    /// <summary>The port a client uses when none is written, or -1.</summary>
    public static int DefaultPort(string scheme) => scheme switch
    {
        "http" or "ws" => 80,
        "https" or "wss" => 443,
        "ftp" => 21,
        _ => -1,
    };
}
