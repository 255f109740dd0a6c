using Mesh.Contracts.Security;

namespace Mesh.Contracts.Diagnostics;

/// <summary>
/// A grain that does nothing. Runtimes and load tests call it to measure the raw cost of one grain call through the
/// same client, the floor every decision is compared with. Keyed like an agent (<c>tenant/name</c>).
/// </summary>
public interface IPingGrain : IGrainWithStringKey
{
    /// <summary>Returns <paramref name="value"/>.</summary>
    [RuntimeSurface]
    Task<long> Ping(long value);
}
