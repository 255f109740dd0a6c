using System.Diagnostics.Metrics;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Silo.Tests.Observability;

/// <summary>Mesh's instruments outside any silo, over a view the test controls.</summary>
internal static class Standalone
{
    public static MeshMetrics Metrics(IServiceProvider services, SiloControlView? view = null, TimeProvider? leaseClock = null)
    {
        leaseClock ??= TimeProvider.System;
        view ??= new SiloControlView(TimeSpan.FromSeconds(5), leaseClock);
        return new MeshMetrics(services.GetRequiredService<IMeterFactory>(), new ControlViewStatus(view, leaseClock));
    }
}
