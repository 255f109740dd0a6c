using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Client.Connection;

/// <summary>
/// One gateway as the application wrote it and the address the SDK connects to. Parsed once, when the gate is
/// created, so a typo fails there with a message naming the entry, not as denies five seconds into every call.
/// </summary>
internal sealed record GatewayEndpoint(string Text, IPEndPoint Address)
{
    private const int MaxShownLength = 100;

    /// <summary>The entry as written, and the address it resolved to when that differs (a host name).</summary>
    public override string ToString() => Text == Address.ToString() ? Text : $"{Text} ({Address})";

    /// <summary>Parses <c>host:port</c>; <paramref name="what"/> names the setting in the error (e.g. <c>Gateways[0]</c>).</summary>
    /// <exception cref="ArgumentException">The text is not a gateway endpoint, or its host name does not resolve.</exception>
    public static GatewayEndpoint Parse(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw Bad(what, text ?? string.Empty, "it is empty");
        }

        var trimmed = text.Trim();
        if (trimmed.Contains("://", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"{what} '{Show(trimmed)}' is a URL: the SDK connects to a silo's Orleans gateway (host:port, the silo's --gateway-port, e.g. {MeshGateOptions.DefaultGateway}), not to its HTTP API.");
        }

        string host;
        string port;
        IPAddress? address = null;
        if (trimmed.StartsWith('['))
        {
            var close = trimmed.IndexOf(']', StringComparison.Ordinal);
            if (close < 0 || close + 1 >= trimmed.Length || trimmed[close + 1] != ':')
            {
                throw Bad(what, trimmed, "an IPv6 address in brackets needs a port after it, e.g. [::1]:30000");
            }

            host = trimmed[1..close];
            port = trimmed[(close + 2)..];
            if (!IPAddress.TryParse(host, out address) || address.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw Bad(what, trimmed, $"'{Show(host)}' is not an IPv6 address");
            }
        }
        else
        {
            var colon = trimmed.LastIndexOf(':');
            if (colon < 0)
            {
                throw Bad(what, trimmed, "the port is missing");
            }

            host = trimmed[..colon];
            port = trimmed[(colon + 1)..];
            if (host.Contains(':', StringComparison.Ordinal))
            {
                throw Bad(what, trimmed, "write an IPv6 address in brackets, e.g. [::1]:30000");
            }

            if (host.Length == 0)
            {
                throw Bad(what, trimmed, "the host is missing");
            }
        }

        // NumberStyles.None: ASCII digits only, no sign, no spaces, no thousands separators.
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            throw Bad(what, trimmed, "the port must be a number from 1 to 65535");
        }

        return new GatewayEndpoint(trimmed, new IPEndPoint(address ?? Resolve(what, trimmed, host), number));
    }

    private static IPAddress Resolve(string what, string text, string host)
    {
        if (host.All(c => char.IsAsciiDigit(c) || c == '.'))
        {
            // One spelling per address: 127.1 or 0127.0.0.1 would be read as some other address than the one meant.
            if (IPAddress.TryParse(host, out var v4) && v4.AddressFamily == AddressFamily.InterNetwork && v4.ToString() == host)
            {
                return v4;
            }

            throw Bad(what, text, $"'{Show(host)}' is not an IPv4 address; write four decimal numbers, e.g. 127.0.0.1");
        }

        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            // The embedded silo listens on IPv4 loopback; "localhost" may resolve to ::1 first.
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(host, out _) || Uri.CheckHostName(host) != UriHostNameType.Dns)
        {
            throw Bad(what, text, $"'{Show(host)}' is not a host name or an IP address");
        }

        IPAddress[] addresses;
        try
        {
            addresses = Dns.GetHostAddresses(host);
        }
        catch (SocketException ex)
        {
            throw Bad(what, text, $"the host name '{Show(host)}' does not resolve ({ex.Message})");
        }

        return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
            ?? addresses.FirstOrDefault()
            ?? throw Bad(what, text, $"the host name '{Show(host)}' has no addresses");
    }

    private static ArgumentException Bad(string what, string text, string why) =>
        new($"{what} '{Show(text)}' is not a gateway endpoint: {why}. Use host:port, e.g. {MeshGateOptions.DefaultGateway} (the silo's --gateway-port).");

    // The text goes into an exception message that ends up in logs: control and invisible characters are shown as
    // escapes so they cannot forge or hide log lines, and a huge entry is cut.
    private static string Show(string text)
    {
        var shown = new StringBuilder(Math.Min(text.Length, MaxShownLength) + 8);
        foreach (var c in text.Length > MaxShownLength ? text[..MaxShownLength] : text)
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                shown.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            }
            else
            {
                shown.Append(c);
            }
        }

        return text.Length > MaxShownLength ? shown.Append('…').ToString() : shown.ToString();
    }
}
