using System.Buffers;
using System.Globalization;
using System.Text;

namespace Mesh.Policy.Destinations;

/// <summary>
/// Turns the host part of a target into the text a client would look up: percent-decoded (repeatedly, as some proxies
/// do), Unicode compatibility forms folded to ASCII, lower case, trailing dots removed.
/// </summary>
internal static class HostText
{
    private const int MaxDecodeRounds = 4;
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static readonly SearchValues<char> NameChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789-_.");

    /// <summary>The normalised host, or null when its encoding is broken (no client could connect to it either).</summary>
    public static string? Normalize(ReadOnlySpan<char> raw)
    {
        string? text = null;
        if (raw.Contains('%'))
        {
            text = raw.ToString();
            for (var round = 0; round < MaxDecodeRounds; round++)
            {
                if (!TryPercentDecode(text, out var decoded))
                {
                    return null;
                }

                if (ReferenceEquals(decoded, text))
                {
                    break;
                }

                text = decoded;
            }
        }

        var span = text is null ? raw : text.AsSpan();
        if (!Ascii.IsValid(span))
        {
            text = ToAscii(span);
            if (text is null)
            {
                return null;
            }

            span = text;
        }

        span = span.TrimEnd('.');
        if (span.ContainsAnyInRange('A', 'Z'))
        {
            return string.Create(span.Length, span, static (destination, source) => Ascii.ToLower(source, destination, out _));
        }

        return text is not null && span.Length == text.Length ? text : span.ToString();
    }

    /// <summary>
    /// True for a syntactically valid DNS name: labels of letters, digits, '-' and '_', 1 to 63 long, 253 in all, and not
    /// ending in a number (WHATWG treats such hosts as IPv4 and refuses them when they are not valid addresses).
    /// </summary>
    public static bool IsValidName(ReadOnlySpan<char> host)
    {
        if (host.IsEmpty || host.Length > 253 || host.ContainsAnyExcept(NameChars) || Ipv4Literal.EndsInNumber(host))
        {
            return false;
        }

        var rest = host;
        while (true)
        {
            var dot = rest.IndexOf('.');
            var length = dot < 0 ? rest.Length : dot;
            if (length is 0 or > 63)
            {
                return false;
            }

            if (dot < 0)
            {
                return true;
            }

            rest = rest[(dot + 1)..];
        }
    }

    private static bool TryPercentDecode(string text, out string decoded)
    {
        decoded = text;
        var bytes = Encoding.UTF8.GetBytes(text);
        var length = 0;
        var changed = false;
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == '%' && i + 2 < bytes.Length && IsHex(bytes[i + 1]) && IsHex(bytes[i + 2]))
            {
                bytes[length++] = (byte)((HexValue(bytes[i + 1]) << 4) | HexValue(bytes[i + 2]));
                i += 2;
                changed = true;
            }
            else
            {
                bytes[length++] = bytes[i];
            }
        }

        if (!changed)
        {
            return true;
        }

        try
        {
            decoded = StrictUtf8.GetString(bytes, 0, length);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;

    // Invariant globalization has no UTS #46 mapping, so the compatibility characters browsers fold to ASCII
    // (fullwidth, circled, mathematical letters and digits, ideographic dots) are folded here; what is left is a
    // real internationalised name and goes to DNS as punycode, where its answers are checked like any other.
    private static string? ToAscii(ReadOnlySpan<char> text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes())
        {
            Fold(rune, builder);
        }

        var folded = builder.ToString();
        if (Ascii.IsValid(folded))
        {
            return folded;
        }

        try
        {
            // IdnMapping instances are not documented as thread-safe, and this path is rare.
            return new IdnMapping().GetAscii(folded);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static void Fold(Rune rune, StringBuilder into)
    {
        var c = rune.Value;
        switch (c)
        {
            case >= 0xFF01 and <= 0xFF5E:
                into.Append((char)(c - 0xFEE0));
                return;
            case 0x3002 or 0xFF61 or 0xFE52 or 0x2024:
                into.Append('.');
                return;
            case >= 0x24B6 and <= 0x24CF:
                into.Append((char)('a' + (c - 0x24B6)));
                return;
            case >= 0x24D0 and <= 0x24E9:
                into.Append((char)('a' + (c - 0x24D0)));
                return;
            case 0x24EA or 0x2070 or 0x2080:
                into.Append('0');
                return;
            case >= 0x2460 and <= 0x2473:
                into.Append((c - 0x2460 + 1).ToString(CultureInfo.InvariantCulture));
                return;
            case 0x00B9:
                into.Append('1');
                return;
            case 0x00B2 or 0x00B3:
                into.Append((char)('2' + (c - 0x00B2)));
                return;
            case >= 0x2074 and <= 0x2079:
                into.Append((char)('4' + (c - 0x2074)));
                return;
            case >= 0x2081 and <= 0x2089:
                into.Append((char)('1' + (c - 0x2081)));
                return;
            case >= 0x1D400 and <= 0x1D6A3:
                var letter = (c - 0x1D400) % 52;
                into.Append((char)('a' + (letter % 26)));
                return;
            case >= 0x1D7CE and <= 0x1D7FF:
                into.Append((char)('0' + ((c - 0x1D7CE) % 10)));
                return;
            case >= 0x1F130 and <= 0x1F149:
                into.Append((char)('a' + (c - 0x1F130)));
                return;
            case 0x017F:
                into.Append('s');
                return;
            case 0x212A:
                into.Append('k');
                return;
            default:
                var letterlike = LetterlikeToAscii(c);
                if (letterlike != '\0')
                {
                    into.Append(letterlike);
                }
                else
                {
                    into.Append(rune.ToString());
                }

                return;
        }
    }

    // The letterlike symbols that fill the gaps of the mathematical alphabets.
    private static char LetterlikeToAscii(int c) => c switch
    {
        0x2102 or 0x212D => 'c',
        0x210A => 'g',
        0x210B or 0x210C or 0x210D or 0x210E => 'h',
        0x2110 or 0x2111 or 0x2139 => 'i',
        0x2112 or 0x2113 => 'l',
        0x2115 => 'n',
        0x2119 => 'p',
        0x211A => 'q',
        0x211B or 0x211C or 0x211D => 'r',
        0x2124 or 0x2128 => 'z',
        0x212C => 'b',
        0x212F or 0x2130 => 'e',
        0x2131 => 'f',
        0x2133 => 'm',
        0x2134 => 'o',
        _ => '\0',
    };
}
