using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Mesh.Postgres.Tests.Orleans;

/// <summary>
/// An in-process Orleans cluster whose silos use Orleans' own ADO.NET providers on a test database: clustering
/// (the client finds its gateways there too), two grain storages (<c>keep</c>, and <c>delete</c> with
/// <c>DeleteStateOnClear</c>) and reminders. Nothing in memory stands in for the database.
/// </summary>
internal sealed class OrleansOnPostgres : IAsyncDisposable
{
    public const string Invariant = "Npgsql";

    private OrleansOnPostgres(InProcessTestCluster cluster)
    {
        Cluster = cluster;
    }

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Client => Cluster.Client;

    /// <summary>The cluster id: Orleans' "deployment id" in the membership table.</summary>
    public string ClusterId => Cluster.Options.ClusterId;

    public string ServiceId => Cluster.Options.ServiceId;

    public static async Task<OrleansOnPostgres> StartAsync(string connectionString, short silos)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;

        // The in-process cluster registers its in-memory membership table after our configuration, so it would win
        // over ADO.NET clustering; Orleans 10.4 keeps the switch internal.
        SetInternal(builder.Options, "UseTestClusterMembership", false);
        SetInternal(builder.Options, "UseTestClusterGrainDirectory", false);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseAdoNetClustering(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage("keep", o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
            silo.AddAdoNetGrainStorage("delete", o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
                o.DeleteStateOnClear = true;
            });
            silo.UseAdoNetReminderService(o =>
            {
                o.Invariant = Invariant;
                o.ConnectionString = connectionString;
            });
        });
        builder.ConfigureClient(client => client.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        }));

        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return new OrleansOnPostgres(cluster);
    }

    private static void SetInternal(InProcessTestClusterOptions options, string property, bool value)
    {
        var setting = typeof(InProcessTestClusterOptions).GetProperty(property, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)
            ?? throw new InvalidOperationException($"InProcessTestClusterOptions.{property} is gone: find another way to keep the in-memory membership out.");
        setting.SetValue(options, value);
    }

    public T Service<T>(int silo)
        where T : notnull => Cluster.Silos[silo].ServiceProvider.GetRequiredService<T>();

    public T KeyedService<T>(int silo, string key)
        where T : notnull => Cluster.Silos[silo].ServiceProvider.GetRequiredKeyedService<T>(key);

    public async ValueTask DisposeAsync() => await Cluster.DisposeAsync();
}
