using System.Diagnostics.Metrics;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Mesh.Grains.Diagnostics;

/// <summary>Registers this silo's <see cref="MeshMetrics"/> and <see cref="ControlViewStatus"/>.</summary>
internal static class DiagnosticsServices
{
    public static IServiceCollection AddMeshDiagnostics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton(sp => new ControlViewStatus(
            sp.GetRequiredService<SiloControlView>(),
            sp.GetRequiredService<IOptions<MeshGrainOptions>>().Value.LeaseTimeProvider));
        services.AddSingleton(sp => new MeshMetrics(sp.GetRequiredService<IMeterFactory>(), sp.GetRequiredService<ControlViewStatus>()));
        // Built when the silo starts, not on the first decision: the view gauges report from the start.
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => new EagerMetrics(sp.GetRequiredService<MeshMetrics>()));
        return services;
    }

    private sealed class EagerMetrics(MeshMetrics metrics) : ILifecycleParticipant<ISiloLifecycle>
    {
        public void Participate(ISiloLifecycle lifecycle) => GC.KeepAlive(metrics);
    }
}
