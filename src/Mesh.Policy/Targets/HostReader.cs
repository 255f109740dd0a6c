using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Mesh.Policy.Destinations;

namespace Mesh.Policy.Targets;

/// <summary>Reads <c>host[:port]</c> into its canonical parts, refusing what parsers read differently.</summary>
internal static class HostReader
{
    /// <summary>The canonical parts of one authority.</summary>
    internal readonly record struct Parts(string Host, IPAddress? Address, int? Port)
    {
        /// <summary>The host as written in a URL: an IPv6 address in brackets.</summary>
        public string AuthorityHost => Address is { AddressFamily: AddressFamily.InterNetworkV6 } ? "[" + Host + "]" : Host;
    }

    /// <summary>":port" for an explicit port, or null.</summary>
    public static string? PortText(int? port) => port is { } p ? ":" + p.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// Reads an authority (userinfo already removed). <paramref name="problem"/> is set, with
    /// <paramref name="kind"/>, when the host is ambiguous or malformed.
    /// </summary>
    public static Parts Read(ReadOnlySpan<char> hostPort, bool allowEmpty, out TargetProblem kind, out string? problem)
    {
        kind = TargetProblem.None;
        problem = null;
        ReadOnlySpan<char> hostText;
        ReadOnlySpan<char> portText;
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']');
            if (close < 0)
            {
                return Fail(TargetProblem.Malformed, "an IPv6 address has no closing ']'", out kind, out problem);
            }

            hostText = hostPort[..(close + 1)];
            portText = hostPort[(close + 1)..];
            if (!portText.IsEmpty && portText[0] != ':')
            {
                return Fail(TargetProblem.Malformed, "text follows an IPv6 address without a ':' before a port", out kind, out problem);
            }
        }
        else
        {
            var colon = hostPort.IndexOf(':');
            hostText = colon < 0 ? hostPort : hostPort[..colon];
            portText = colon < 0 ? [] : hostPort[colon..];
        }

        int? port = null;
        if (portText.Length > 1)
        {
            var digits = portText[1..];
            if (digits.Length > 5 || digits.ContainsAnyExceptInRange('0', '9') || int.Parse(digits, provider: null) is > 65535)
            {
                return Fail(TargetProblem.Malformed, "the port is not a number from 0 to 65535", out kind, out problem);
            }

            port = int.Parse(digits, provider: null);
        }

        if (hostText.IsEmpty)
        {
            return allowEmpty ? new Parts(string.Empty, null, port) : Fail(TargetProblem.Malformed, "the host is empty", out kind, out problem);
        }

        if (hostText[0] == '[')
        {
            var inner = hostText[1..^1];
            if (inner.Contains('%'))
            {
                return Fail(TargetProblem.Ambiguous, "an IPv6 zone id is refused by WHATWG parsers and used by others", out kind, out problem);
            }

            if (!IPAddress.TryParse(inner, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return Fail(TargetProblem.Malformed, "the bracketed host is not an IPv6 address", out kind, out problem);
            }

            // ::ffff:a.b.c.d reaches a.b.c.d over a dual-stack socket: one address, one spelling.
            return v6.IsIPv4MappedToIPv6 ? FromAddress(v6.MapToIPv4(), port) : new Parts(v6.ToString(), v6, port);
        }

        if (hostText.Contains('%'))
        {
            return Fail(TargetProblem.Ambiguous, "a percent-escaped host is decoded by WHATWG parsers and looked up as written by others", out kind, out problem);
        }

        if (hostText.Contains('@'))
        {
            return Fail(TargetProblem.Ambiguous, "more than one '@': parsers disagree on where the user name ends", out kind, out problem);
        }

        if (hostText.EndsWith(".."))
        {
            return Fail(TargetProblem.Malformed, "the host ends in an empty label", out kind, out problem);
        }

        var host = HostText.Normalize(hostText);
        if (host is null)
        {
            return Fail(TargetProblem.Malformed, "the host is not a valid international name", out kind, out problem);
        }

        switch (Ipv4Literal.Parse(host, out var v4))
        {
            case Ipv4LiteralKind.Unambiguous or Ipv4LiteralKind.BareNumber:
                Span<byte> bytes = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(bytes, v4);
                return FromAddress(new IPAddress(bytes), port, host);
            case Ipv4LiteralKind.Invalid:
                return Fail(TargetProblem.Malformed, "the host ends in a number but is not a valid IPv4 address", out kind, out problem);
        }

        return HostText.IsValidName(host)
            ? new Parts(host, null, port)
            : Fail(TargetProblem.Malformed, "the host has characters no DNS name has", out kind, out problem);
    }

    private static Parts FromAddress(IPAddress address, int? port, string? written = null)
    {
        Span<char> text = stackalloc char[16];
        var host = written is not null && address.TryFormat(text, out var length) && text[..length].SequenceEqual(written) ? written : address.ToString();
        return new Parts(host, address, port);
    }

    private static Parts Fail(TargetProblem what, string message, out TargetProblem kind, out string? problem)
    {
        kind = what;
        problem = message;
        return default;
    }
}
