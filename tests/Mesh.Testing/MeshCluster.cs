using Xunit;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;

namespace Mesh.Testing;

/// <summary>
/// A real in-process Orleans cluster of several silos running Mesh's grains with memory storage and a fake clock.
/// <see cref="Client"/> is an external Orleans client (what an agent runtime uses); <see cref="Operator"/> is a silo's
/// own grain factory (what the operator API uses).
/// </summary>
public sealed class MeshCluster : IAsyncLifetime, IAsyncDisposable
{
    private readonly short _silos;
    private readonly Action<MeshGrainOptions>? _options;
    private readonly Action<ISiloBuilder>? _silo;
    private readonly string _store = "test-cluster-" + Guid.NewGuid().ToString("N");

    /// <summary>Creates a two-silo cluster.</summary>
    public MeshCluster()
        : this(2)
    {
    }

    /// <summary>Creates a cluster of <paramref name="silos"/> silos.</summary>
    internal MeshCluster(short silos, Action<MeshGrainOptions>? options = null, Action<ISiloBuilder>? silo = null)
    {
        _silos = silos;
        _options = options;
        _silo = silo;
    }

    /// <summary>
    /// A cluster of <paramref name="silos"/> silos (for tests that need more than two), with Mesh's options and each
    /// silo's builder open to the test (for example to shorten the control-plane lease or add a fault filter).
    /// </summary>
    public static MeshCluster WithSilos(short silos, Action<MeshGrainOptions>? options = null, Action<ISiloBuilder>? silo = null) => new(silos, options, silo);

    /// <summary>Mesh's clock in every silo. Starts at a fixed instant; tests move it forward.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero));

    /// <summary>The destination guard's resolver in every silo: tests add the names they use.</summary>
    public FakeDestinationResolver Resolver { get; } = new FakeDestinationResolver()
        .Add("api.example.com", "93.184.216.34")
        .Add("rebind.example.com", "93.184.216.34", "10.0.0.7")
        .Add("intranet.acme.test", "10.1.2.3");

    /// <summary>The audit store every silo of the cluster writes to (in process memory, like the grain state).</summary>
    public Mesh.Grains.Audit.InProcessAuditStore AuditStore => Mesh.Grains.Audit.InProcessAuditStore.For(_store);

    /// <summary>A silo's service (the audit verifier or checkpointer, say).</summary>
    public T SiloService<T>(int silo = 0)
        where T : notnull => Cluster.Silos[silo].ServiceProvider.GetRequiredService<T>();

    /// <summary>The cluster.</summary>
    public InProcessTestCluster Cluster { get; private set; } = null!;

    /// <summary>An external Orleans client: only the runtime surface is open to it.</summary>
    public IClusterClient Client => Cluster.Client;

    /// <summary>The first silo's own grain factory, for operator calls.</summary>
    public IGrainFactory Operator => OperatorOn(0);

    /// <summary>A given silo's own grain factory.</summary>
    public IGrainFactory OperatorOn(int silo) => Cluster.Silos[silo].ServiceProvider.GetRequiredService<IGrainFactory>();

    /// <summary>The silo an (active) grain lives on.</summary>
    public async Task<SiloAddress?> SiloOfAsync(IAddressable grain) =>
        await Operator.GetGrain<IManagementGrain>(0).GetActivationAddress(grain);

    /// <summary>
    /// Moves active grains so that grain <c>i</c> lives on silo <c>i mod silos</c>: a test can then prove a rule holds
    /// for decisions made on every silo, not just wherever placement happened to put them.
    /// </summary>
    public async Task SpreadOverSilosAsync(IReadOnlyList<IAddressable> grains)
    {
        for (var i = 0; i < grains.Count; i++)
        {
            var target = Cluster.Silos[i % Cluster.Silos.Count].SiloAddress;
            var grain = grains[i];
            if (!await IsActiveOnAsync(grain, target))
            {
                await Cluster.MigrateAsync(grain, target);
                await Poll.UntilAsync(() => IsActiveOnAsync(grain, target), TimeSpan.FromSeconds(30), $"grain {i} to be active on {target}");
            }
        }
    }

    // Asks the silo itself: the grain directory's caches can keep naming a grain's old silo for a while after a
    // migration once a cluster has three silos or more.
    private async Task<bool> IsActiveOnAsync(IAddressable grain, SiloAddress silo)
    {
        var id = grain.GetGrainId();
        var activations = await Operator.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(hostsIds: [silo]);
        return activations.Any(a => a.GrainId == id);
    }

    /// <summary>
    /// Runs <paramref name="call"/> with a placement hint for silo <paramref name="silo"/> (index, modulo the silo
    /// count): a grain the call activates is placed there. Spreads new grains over every silo without migrations.
    /// </summary>
    public async Task<T> OnSiloAsync<T>(int silo, Func<Task<T>> call)
    {
        RequestContext.Set(IPlacementDirector.PlacementHintKey, Cluster.Silos[silo % Cluster.Silos.Count].SiloAddress);
        try
        {
            return await call();
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(_silos);
        builder.ConfigureSilo((_, silo) =>
        {
            // One store for the whole cluster, outside every silo, as a database would be: a killed silo loses nothing.
            silo.AddMeshInProcessStorage(_store);
            // Approvals register reminders for their deadlines and escalations.
            silo.UseInMemoryReminderService();
            silo.AddMeshGrains(o =>
            {
                o.TimeProvider = Clock;
                o.DestinationResolver = Resolver;
                // Long enough that a test machine starved of CPU never loses its lease by accident; lease tests set their own.
                o.ControlPlaneLease = TimeSpan.FromSeconds(30);
                _options?.Invoke(o);
            });
            _silo?.Invoke(silo);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }

    /// <inheritdoc />
    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());
}
