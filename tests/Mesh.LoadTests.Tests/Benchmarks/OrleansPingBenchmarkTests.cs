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
