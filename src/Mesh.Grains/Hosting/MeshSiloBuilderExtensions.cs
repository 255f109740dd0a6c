using Mesh.Grains.Policies;
using Mesh.Grains.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Grains.Hosting;

/// <summary>Adds Mesh's grains' services to a silo. The host adds storage and clustering.</summary>
public static class MeshSiloBuilderExtensions
{
    /// <summary>
    /// Registers the policy cache, the call filters that keep operator methods away from Orleans clients, and a
    /// system <see cref="TimeProvider"/> unless one is registered already (tests register a fake one first).
    /// </summary>
    public static ISiloBuilder AddMeshGrains(this ISiloBuilder builder, Action<MeshSecurityOptions>? configureSecurity = null)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<PolicyCache>();
        var options = builder.Services.AddOptions<MeshSecurityOptions>();
        if (configureSecurity is not null)
        {
            options.Configure(configureSecurity);
        }

        builder.AddIncomingGrainCallFilter<OperatorCallGuard>();
        builder.AddOutgoingGrainCallFilter<OperatorCallStamp>();
        return builder;
    }
}
