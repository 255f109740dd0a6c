using System.Collections.Immutable;
using System.Net;

namespace Mesh.Policy.Destinations;

/// <summary>The destination guard's finding for one target.</summary>
/// <param name="IsNetwork">True when the target names a network destination at all; a non-network target is always allowed.</param>
/// <param name="Blocked">Every blocked category found (union over all readings of the target and all resolved addresses).</param>
/// <param name="CheckedAddresses">
/// The addresses that were checked: literal addresses and every resolved address. When the result is allowed the runtime
/// should connect only to these (pin them), so a DNS answer that changes after the check cannot redirect the request.
/// </param>
/// <param name="Problem">
/// Why the target could not be checked (resolution failed, timed out or returned nothing; the host is malformed).
/// The caller must deny when this is set.
/// </param>
public sealed record GuardResult(bool IsNetwork, DestinationCategory Blocked, ImmutableArray<IPAddress> CheckedAddresses, string? Problem)
{
    /// <summary>True when nothing is blocked and there is no problem.</summary>
    public bool Allowed => Blocked == DestinationCategory.None && Problem is null;
}
