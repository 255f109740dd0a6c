namespace Mesh.Policy.Destinations;

/// <summary>What a host text is when read as an IPv4 literal.</summary>
internal enum Ipv4LiteralKind
{
    /// <summary>Does not end in a number: a name.</summary>
    NotNumeric,

    /// <summary>Ends in a number but is no valid address (browsers refuse it, resolvers may not).</summary>
    Invalid,

    /// <summary>Dotted (<c>127.1</c>, <c>0251.0376.0251.0376</c>) or a single hex number (<c>0xa9fea9fe</c>): unmistakably an address.</summary>
    Unambiguous,

    /// <summary>A single decimal or octal number (<c>2852039166</c>): an address in a URL, but also what an id looks like.</summary>
    BareNumber,
}

/// <summary>
/// Reads IPv4 literals the way both the WHATWG URL standard and <c>inet_aton</c> do: one to four parts separated by dots,
/// each decimal, octal (leading 0) or hex (0x), the last part filling the remaining bytes. Allocates nothing.
/// </summary>
internal static class Ipv4Literal
{
    private const ulong Overflow = 1UL << 32;

    public static Ipv4LiteralKind Parse(ReadOnlySpan<char> host, out uint address)
    {
        address = 0;
        if (host.IsEmpty || !EndsInNumber(host))
        {
            return Ipv4LiteralKind.NotNumeric;
        }

        Span<ulong> parts = stackalloc ulong[4];
        var count = 0;
        var hex = false;
        var rest = host;
        while (true)
        {
            var dot = rest.IndexOf('.');
            var part = dot < 0 ? rest : rest[..dot];
            if (count == parts.Length || !TryParsePart(part, out parts[count], out var isHex))
            {
                return Ipv4LiteralKind.Invalid;
            }

            hex |= isHex;
            count++;
            if (dot < 0)
            {
                break;
            }

            rest = rest[(dot + 1)..];
        }

        for (var i = 0; i < count - 1; i++)
        {
            if (parts[i] > 255)
            {
                return Ipv4LiteralKind.Invalid;
            }
        }

        var last = parts[count - 1];
        if (last >= 1UL << (8 * (5 - count)))
        {
            return Ipv4LiteralKind.Invalid;
        }

        var value = last;
        for (var i = 0; i < count - 1; i++)
        {
            value |= parts[i] << (8 * (3 - i));
        }

        address = (uint)value;
        return count > 1 || hex ? Ipv4LiteralKind.Unambiguous : Ipv4LiteralKind.BareNumber;
    }

    // WHATWG "ends in a number": the last label is all digits or 0x-hex; such a host is an address or invalid, never a name.
    internal static bool EndsInNumber(ReadOnlySpan<char> host)
    {
        var last = host[(host.LastIndexOf('.') + 1)..];
        if (last.IsEmpty)
        {
            return false;
        }

        if (last.Length >= 2 && last[0] == '0' && (last[1] | 0x20) == 'x')
        {
            return !last[2..].ContainsAnyExcept("0123456789abcdefABCDEF");
        }

        return !last.ContainsAnyExceptInRange('0', '9');
    }

    private static bool TryParsePart(ReadOnlySpan<char> part, out ulong value, out bool isHex)
    {
        value = 0;
        isHex = false;
        if (part.IsEmpty)
        {
            return false;
        }

        var radix = 10u;
        if (part.Length >= 2 && part[0] == '0' && (part[1] | 0x20) == 'x')
        {
            radix = 16;
            isHex = true;
            part = part[2..];
        }
        else if (part.Length >= 2 && part[0] == '0')
        {
            radix = 8;
            part = part[1..];
        }

        foreach (var c in part)
        {
            uint digit;
            if (c is >= '0' and <= '9')
            {
                digit = (uint)(c - '0');
            }
            else if ((c | 0x20) is >= 'a' and <= 'f')
            {
                digit = (uint)((c | 0x20) - 'a' + 10);
            }
            else
            {
                return false;
            }

            if (digit >= radix)
            {
                return false;
            }

            // Saturate instead of wrapping: leading zeros are fine, a value past 32 bits is never an address.
            value = Math.Min(value * radix + digit, Overflow);
        }

        return true;
    }
}
