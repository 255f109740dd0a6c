using Mesh.Grains.Audit;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Diagnostics;
using Mesh.Grains.Policies;
using Mesh.Grains.Security;
using Mesh.Policy.Destinations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Mesh.Grains.Hosting;

/// <summary>Adds Mesh's grains' services to a silo. The host adds storage and clustering.</summary>
public static class MeshSiloBuilderExtensions
{
    /// <summary>
    /// Registers Mesh's clock, the silo-local policy cache and the call filters that keep operator methods away from
    /// Orleans clients.
    /// </summary>
    public static ISiloBuilder AddMeshGrains(this ISiloBuilder builder, Action<MeshGrainOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<MeshGrainOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        builder.Services.AddSingleton(sp => new MeshClock(sp.GetRequiredService<IOptions<MeshGrainOptions>>().Value.TimeProvider));
        builder.Services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<MeshGrainOptions>>().Value;
            var resolver = options.DestinationResolver
                ?? new CachingDestinationResolver(new SystemDestinationResolver(), options.TimeProvider, TimeSpan.FromSeconds(30));
            return new DestinationGuard(resolver, options.ResolveTimeout);
        });
        builder.Services.AddSingleton<PolicyCache>();
        builder.Services.AddSingleton(sp => new TenantAuditPolicies(sp.GetRequiredService<PolicyCache>()));
        builder.Services.AddSingleton<SiloControlView>();
        builder.Services.AddSingleton<RateLimiting.CredentialLimits>();
        builder.Services.AddSingleton<ControlBroadcast>();
        builder.Services.AddSingleton<ControlViewUpdater>();
        builder.Services.AddSingleton<ControlPlaneLease>();
        builder.Services.AddMeshDiagnostics();
        // The host registers the audit store (SQLite, PostgreSQL or in-process); the writer, checkpoints and verifier are shared.
        builder.Services.AddSingleton(sp =>
        {
            var audit = sp.GetRequiredService<IOptions<MeshGrainOptions>>().Value.Audit;
            return AuditSigningKey.Load(audit.SigningKeyFile, audit.TrustedPublicKeys);
        });
        builder.Services.AddSingleton<AuditCheckpointer>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<AuditCheckpointer>());
        builder.Services.AddSingleton<AuditWriter>();
        builder.Services.AddSingleton<AuditVerifier>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<ControlPlaneLease>());
        builder.AddPlacementDirector<SiloPinnedPlacement, SiloPinnedPlacementDirector>();
        builder.AddIncomingGrainCallFilter<OperatorCallGuard>();
        builder.AddOutgoingGrainCallFilter<OperatorCallStamp>();
        builder.AddIncomingGrainCallFilter<OperatorAuditFilter>();
        return builder;
    }
}
