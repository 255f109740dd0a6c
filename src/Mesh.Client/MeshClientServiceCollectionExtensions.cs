using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Client;

/// <summary>Registers <see cref="IMeshGate"/> in an application's services.</summary>
public static class MeshClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="IMeshGate"/> that connects to the mesh in the background when first resolved
    /// and disconnects when the application stops.
    /// </summary>
    public static IServiceCollection AddMeshClient(this IServiceCollection services, Action<MeshGateOptions>? configure = null)
    {
        var options = new MeshGateOptions();
        configure?.Invoke(options);
        options.Validate();
        services.AddSingleton<IMeshGate>(sp => MeshGate.Create(options, sp.GetService<ILoggerFactory>()));
        services.AddHostedService<MeshGateLifetime>();
        return services;
    }

    // Taking the gate as a dependency resolves it at start-up, so the connection starts early; the container
    // disposes the gate (and its connection) at shutdown.
    private sealed class MeshGateLifetime : IHostedService
    {
        public MeshGateLifetime(IMeshGate gate) => ArgumentNullException.ThrowIfNull(gate);

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
