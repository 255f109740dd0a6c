using Mesh.Benchmarks;

namespace Mesh.LoadTests.Tests.Benchmarks;

/// <summary>The Orleans baseline benchmark takes free ports: it runs beside a local mesh or another benchmark.</summary>
public sealed class OrleansPingBenchmarkTests
{
    [Fact]
    public async Task Two_ping_benchmark_silos_run_at_once()
    {
        var first = new OrleansPingBenchmarks();
        var second = new OrleansPingBenchmarks();
        first.Setup();
        try
        {
            second.Setup();
            try
            {
                Assert.Equal(1, await first.Orleans_ping());
                Assert.Equal(1, await second.Orleans_ping());

                // Each silo listens on ports of its own. The calls above go through each silo's own grain factory, and a
                // second silo on the first one's fixed ports was seen to start anyway, so the ports are compared.
                var (firstSilo, firstGateway) = first.Ports;
                var (secondSilo, secondGateway) = second.Ports;
                Assert.Equal(4, new HashSet<int> { firstSilo, firstGateway, secondSilo, secondGateway }.Count);
            }
            finally
            {
                second.Cleanup();
            }
        }
        finally
        {
            first.Cleanup();
        }
    }
}
