using Mesh.Contracts.Diagnostics;

namespace Mesh.Grains.Diagnostics;

/// <summary>The no-op grain of <see cref="IPingGrain"/>.</summary>
internal sealed class PingGrain : Grain, IPingGrain
{
    public Task<long> Ping(long value) => Task.FromResult(value);
}
