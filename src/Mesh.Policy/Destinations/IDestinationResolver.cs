using System.Net;

namespace Mesh.Policy.Destinations;

/// <summary>Resolves a host name to addresses for the destination guard. Replace it in tests or to use a custom DNS.</summary>
public interface IDestinationResolver
{
    /// <summary>Resolves <paramref name="host"/> to every address a client could connect to.</summary>
    /// <param name="host">A normalised host name (never an IP literal).</param>
    /// <param name="cancellationToken">Cancelled when the guard's resolve timeout passes or the caller gives up.</param>
    /// <returns>The addresses; an empty list or an exception means the name cannot be checked and the guard reports a problem.</returns>
    ValueTask<IReadOnlyList<IPAddress>> ResolveAsync(string host, CancellationToken cancellationToken);
}
