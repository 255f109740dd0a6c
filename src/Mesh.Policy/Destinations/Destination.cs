using System.Net;

namespace Mesh.Policy.Destinations;

/// <summary>One reading of a target as a network destination.</summary>
/// <param name="Host">
/// The host, decoded and normalised: lower case, percent-decoding and Unicode compatibility forms undone, trailing dots
/// removed; for an IP literal the canonical address text. A host that cannot be a valid name keeps its raw text.
/// </param>
/// <param name="Address">The address when the host is an IP literal in any spelling (decimal, octal, hex, short, IPv6); otherwise null.</param>
/// <param name="Port">The explicit port, when one is written and valid.</param>
/// <param name="Scheme">The URL scheme in lower case, or null for a target without one.</param>
/// <param name="Path">Everything after the authority (path, query, fragment) as written, or null when empty.</param>
public sealed record Destination(string Host, IPAddress? Address, int? Port, string? Scheme, string? Path);
