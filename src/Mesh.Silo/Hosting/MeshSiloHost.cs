using Mesh.Grains.Hosting;
using Mesh.Silo.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Mesh.Silo.Hosting;

/// <summary>Builds the Mesh silo host. <c>Program</c> and the tests use the same code.</summary>
public static class MeshSiloHost
{
    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--data-dir"] = "Mesh:DataDir",
        ["--silo-port"] = "Mesh:SiloPort",
        ["--gateway-port"] = "Mesh:GatewayPort",
    };

    /// <summary>Creates a host builder configured from <paramref name="args"/>, the environment and appsettings.</summary>
    public static HostApplicationBuilder CreateBuilder(string[] args, Action<ISiloBuilder>? configureSilo = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = false });

        // MESH_DATA_DIR sits between appsettings and the command line: --data-dir still wins.
        if (Environment.GetEnvironmentVariable("MESH_DATA_DIR") is { Length: > 0 } dataDir)
        {
            builder.Configuration.AddInMemoryCollection([new("Mesh:DataDir", dataDir)]);
        }

        builder.Configuration.AddCommandLine(args, SwitchMappings);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);

        var options = builder.Configuration.GetSection(MeshSiloOptions.Section).Get<MeshSiloOptions>() ?? new MeshSiloOptions();
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("Mesh cannot start: " + string.Join(" ", problems));
        }

        options.DataDir = Path.GetFullPath(options.DataDir);
        Directory.CreateDirectory(options.DataDir);
        builder.Services.AddSingleton(options);

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
            silo.AddMeshGrains(grains => grains.ClusterSecret = options.ClusterSecret);
            AddEmbeddedStorage(silo, Path.Combine(options.DataDir, "mesh.db"));
            configureSilo?.Invoke(silo);
        });

        builder.Services.AddHostedService<ReadyAnnouncer>();
        return builder;
    }

    private static void AddEmbeddedStorage(ISiloBuilder silo, string databasePath)
    {
        silo.Services.AddSingleton<OrleansBinaryStateSerializer>();
        silo.Services.AddGrainStorage(MeshStorage.ProviderName, (services, _) => new SqliteGrainStorage(
            databasePath,
            services.GetRequiredService<OrleansBinaryStateSerializer>(),
            services.GetRequiredService<ILogger<SqliteGrainStorage>>()));
    }
}
