using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Policy.Destinations;

/// <summary>
/// Says which blocked categories an address or a host name falls in. Table-driven: every range is a precomputed numeric
/// prefix and mask, and classifying allocates nothing.
/// </summary>
public static class AddressClassifier
{
    private static readonly V4Range[] V4Ranges =
    [
        V4("0.0.0.0", 8, DestinationCategory.Unspecified),
        V4("10.0.0.0", 8, DestinationCategory.Private),
        V4("100.64.0.0", 10, DestinationCategory.SharedAddressSpace),
        V4("100.100.100.200", 32, DestinationCategory.Metadata),        // Alibaba Cloud
        V4("127.0.0.0", 8, DestinationCategory.Loopback),
        V4("168.63.129.16", 32, DestinationCategory.Metadata),          // Azure WireServer (public space, host-only service)
        V4("169.254.0.0", 16, DestinationCategory.LinkLocal),
        V4("169.254.169.254", 32, DestinationCategory.Metadata),        // AWS, GCP, Azure, OCI, DigitalOcean, OpenStack, ...
        V4("169.254.170.2", 32, DestinationCategory.Metadata),          // AWS ECS task metadata and credentials
        V4("172.16.0.0", 12, DestinationCategory.Private),
        V4("192.0.0.0", 24, DestinationCategory.Reserved),
        V4("192.0.0.192", 32, DestinationCategory.Metadata),            // Oracle Cloud
        V4("192.168.0.0", 16, DestinationCategory.Private),
        V4("198.18.0.0", 15, DestinationCategory.Reserved),
        V4("224.0.0.0", 4, DestinationCategory.Multicast),
        V4("240.0.0.0", 4, DestinationCategory.Reserved),
        V4("255.255.255.255", 32, DestinationCategory.Broadcast),
    ];

    private static readonly V6Range[] V6Ranges =
    [
        V6("::", 128, DestinationCategory.Unspecified),
        V6("::1", 128, DestinationCategory.Loopback),
        V6("64:ff9b:1::", 48, DestinationCategory.Private),             // local-use NAT64 (RFC 8215)
        V6("100::", 64, DestinationCategory.Reserved),                  // discard-only
        V6("2001:2::", 48, DestinationCategory.Reserved),               // benchmarking
        V6("fc00::", 7, DestinationCategory.Private),
        V6("fd00:ec2::254", 128, DestinationCategory.Metadata),         // AWS
        V6("fd20:ce::254", 128, DestinationCategory.Metadata),          // Google Cloud
        V6("fe80::", 10, DestinationCategory.LinkLocal),
        V6("fec0::", 10, DestinationCategory.Private),                  // deprecated site-local
        V6("ff00::", 8, DestinationCategory.Multicast),
    ];

    // Prefixes (as the top 96 bits) whose low 32 bits are an IPv4 address a packet ends up at.
    private static readonly UInt128 Mapped = 0xffff;                                // ::ffff:0:0/96
    private static readonly UInt128 Translated = 0xffff_0000;                       // ::ffff:0:0:0/96 (SIIT)
    private static readonly UInt128 WellKnownNat64 = (UInt128)0x0064_ff9b << 64;    // 64:ff9b::/96
    private static readonly UInt128 LocalUseNat64 = 0x0064_ff9b_0001;               // 64:ff9b:1::/48 (top 48 bits)

    private static readonly FrozenDictionary<string, DestinationCategory> Names = new Dictionary<string, DestinationCategory>(StringComparer.OrdinalIgnoreCase)
    {
        ["localhost"] = DestinationCategory.Loopback,
        ["localhost.localdomain"] = DestinationCategory.Loopback,
        ["ip6-localhost"] = DestinationCategory.Loopback,
        ["ip6-loopback"] = DestinationCategory.Loopback,
        ["metadata"] = DestinationCategory.Metadata,
        ["metadata.google.internal"] = DestinationCategory.Metadata,
        ["metadata.goog"] = DestinationCategory.Metadata,
        ["metadata.azure.internal"] = DestinationCategory.Metadata,
        ["instance-data"] = DestinationCategory.Metadata,
        ["instance-data.ec2.internal"] = DestinationCategory.Metadata,
        ["metadata.tencentyun.com"] = DestinationCategory.Metadata,
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenDictionary<string, DestinationCategory>.AlternateLookup<ReadOnlySpan<char>> NameLookup =
        Names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>
    /// The blocked categories of an address. IPv4 embedded in IPv6 (IPv4-mapped, IPv4-compatible, SIIT, NAT64
    /// 64:ff9b::/96, 6to4 and Teredo) is unwrapped and classified too, so <c>::ffff:169.254.169.254</c> is Metadata.
    /// </summary>
    public static DestinationCategory Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            return DestinationCategory.Reserved;
        }

        return address.AddressFamily == AddressFamily.InterNetwork && written == 4
            ? ClassifyV4(BinaryPrimitives.ReadUInt32BigEndian(bytes))
            : ClassifyV6(BinaryPrimitives.ReadUInt128BigEndian(bytes));
    }

    /// <summary>
    /// The blocked categories of a host name: <c>localhost</c>, <c>*.localhost</c> and the hosts-file loopback names are
    /// Loopback; cloud metadata names (<c>metadata.google.internal</c>, <c>metadata.azure.internal</c>,
    /// <c>instance-data</c>, <c>metadata</c>, ...) are Metadata. Case-insensitive; trailing dots and brackets are ignored.
    /// A host that is an IP literal in any spelling is classified as that address.
    /// </summary>
    /// <param name="host">A decoded host, such as <see cref="Destination.Host"/>.</param>
    public static DestinationCategory ClassifyHostName(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var name = host.AsSpan().TrimEnd('.');
        if (name.Length > 2 && name[0] == '[' && name[^1] == ']')
        {
            name = name[1..^1];
        }

        if (name.IsEmpty)
        {
            return DestinationCategory.None;
        }

        if (Ipv4Literal.Parse(name, out var v4) is Ipv4LiteralKind.Unambiguous or Ipv4LiteralKind.BareNumber)
        {
            return ClassifyV4(v4);
        }

        if (name.Contains(':') && DestinationParser.TryParseIPv6(name, out var v6))
        {
            return Classify(v6);
        }

        if (NameLookup.TryGetValue(name, out var category))
        {
            return category;
        }

        if (name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
        {
            return DestinationCategory.Loopback;
        }

        if (name.EndsWith(".metadata.google.internal", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith(".metadata.azure.internal", StringComparison.OrdinalIgnoreCase))
        {
            return DestinationCategory.Metadata;
        }

        return DestinationCategory.None;
    }

    internal static DestinationCategory ClassifyV4(uint address)
    {
        var category = DestinationCategory.None;
        foreach (var range in V4Ranges)
        {
            if ((address & range.Mask) == range.Prefix)
            {
                category |= range.Category;
            }
        }

        return category;
    }

    internal static DestinationCategory ClassifyV6(UInt128 address)
    {
        var category = DestinationCategory.None;
        foreach (var range in V6Ranges)
        {
            if ((address & range.Mask) == range.Prefix)
            {
                category |= range.Category;
            }
        }

        var top96 = address >> 32;
        var low32 = (uint)(address & uint.MaxValue);
        if (top96 == Mapped || top96 == Translated || top96 == WellKnownNat64 || (address >> 80) == LocalUseNat64)
        {
            category |= ClassifyV4(low32);
        }
        else if (top96 == 0 && address > 1)
        {
            // IPv4-compatible (deprecated), ::a.b.c.d; :: and ::1 are classified by the table.
            category |= ClassifyV4(low32);
        }
        else if ((address >> 112) == 0x2002)
        {
            // 6to4: 2002:AABB:CCDD::/48 carries a.b.c.d in bits 16 to 47.
            category |= ClassifyV4((uint)(address >> 80));
        }
        else if ((address >> 96) == 0x2001_0000)
        {
            // Teredo: the client's address is the low 32 bits, inverted.
            category |= ClassifyV4(~low32);
        }

        return category;
    }

    private static V4Range V4(string prefix, int length, DestinationCategory category)
    {
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        var value = BinaryPrimitives.ReadUInt32BigEndian(IPAddress.Parse(prefix).GetAddressBytes());
        return new V4Range(value & mask, mask, category);
    }

    private static V6Range V6(string prefix, int length, DestinationCategory category)
    {
        var mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
        var value = BinaryPrimitives.ReadUInt128BigEndian(IPAddress.Parse(prefix).GetAddressBytes());
        return new V6Range(value & mask, mask, category);
    }

    private readonly record struct V4Range(uint Prefix, uint Mask, DestinationCategory Category);

    private readonly record struct V6Range(UInt128 Prefix, UInt128 Mask, DestinationCategory Category);
}
