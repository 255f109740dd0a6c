namespace Mesh.Policy.Destinations;

/// <summary>
/// Kinds of destination the built-in guard refuses, as flags so one check can report several
/// (169.254.169.254 is both <see cref="LinkLocal"/> and <see cref="Metadata"/>).
/// </summary>
/// <remarks>Documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32) are not blocked.</remarks>
[Flags]
public enum DestinationCategory
{
    /// <summary>Nothing blocked.</summary>
    None = 0,

    /// <summary>127.0.0.0/8, ::1, <c>localhost</c> and <c>*.localhost</c>.</summary>
    Loopback = 1,

    /// <summary>169.254.0.0/16 and fe80::/10.</summary>
    LinkLocal = 2,

    /// <summary>10/8, 172.16/12, 192.168/16, fc00::/7, fec0::/10 and the local-use NAT64 prefix 64:ff9b:1::/48.</summary>
    Private = 4,

    /// <summary>0.0.0.0/8 and ::.</summary>
    Unspecified = 8,

    /// <summary>Cloud instance metadata endpoints, by address (169.254.169.254, fd00:ec2::254, ...) or by name (metadata.google.internal, ...).</summary>
    Metadata = 16,

    /// <summary>Carrier-grade NAT space 100.64.0.0/10.</summary>
    SharedAddressSpace = 32,

    /// <summary>224.0.0.0/4 and ff00::/8.</summary>
    Multicast = 64,

    /// <summary>255.255.255.255.</summary>
    Broadcast = 128,

    /// <summary>Special-purpose ranges that no public service uses: 192.0.0.0/24, 198.18.0.0/15, 240.0.0.0/4, 100::/64, 2001:2::/48.</summary>
    Reserved = 256,

    /// <summary>
    /// A local resource named by its scheme, for any tool: <c>file:</c>, <c>unix:</c>, <c>npipe:</c>, <c>jar:</c>,
    /// <c>netdoc:</c>, <c>local:</c>, <c>http+unix:</c>. These reach the silo's or the agent's own machine, not the network.
    /// </summary>
    Local = 512,

    /// <summary>
    /// A scheme other than http, https, ws and wss given to a network tool (<c>gopher:</c>, <c>dict:</c>, <c>ftp:</c>,
    /// <c>ldap:</c>, <c>data:</c>, ...): the classic ways to make a fetcher speak another protocol.
    /// </summary>
    OtherScheme = 1024,
}
