using System.Net;
using Mesh.Grains.Hosting;
using Mesh.Silo.Api;
using Mesh.Silo.Api.Http;
using Mesh.Silo.Storage;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;

namespace Mesh.Silo.Hosting;

/// <summary>Builds the Mesh silo host. <c>Program</c> and the tests use the same code.</summary>
public static class MeshSiloHost
{
    // Embedded mode's files in the data folder: grain state and reminders, and the audit trail.
    private const string EmbeddedDatabase = "mesh.db";
    private const string EmbeddedAuditDatabase = "audit.db";

    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--data-dir"] = "Mesh:DataDir",
        ["--silo-port"] = "Mesh:SiloPort",
        ["--gateway-port"] = "Mesh:GatewayPort",
        ["--http-url"] = "Mesh:HttpUrl",
        ["--primary-silo-port"] = "Mesh:PrimarySiloPort",
        ["--storage"] = "Mesh:Storage",
        ["--mode"] = "Mesh:Mode",
        ["--connection"] = "Mesh:Cluster:ConnectionString",
        ["--advertised-address"] = "Mesh:AdvertisedAddress",
        ["--cluster-id"] = "Mesh:ClusterId",
        ["--service-id"] = "Mesh:ServiceId",
    };

    /// <summary>
    /// Runs a silo until it is stopped, as the <c>Mesh.Silo</c> process does, and returns the process exit code: 0
    /// after a clean stop, 2 when it cannot start (bad settings, a port in use, an unusable audit store or first admin
    /// token), with one line on standard error that says why. A start that fails leaves no data folder it created.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        // Printed before anything slow (configuration, Orleans, SQLite): with output redirected it is the first sign of life.
        await Console.Out.WriteLineAsync("Mesh starting...");
        await Console.Out.FlushAsync();

        NewDataFolder? newDataFolder = null;
        IReadOnlyList<ListenPort> ports = [];
        var started = false;
        try
        {
            await using var app = Build(args, null, out newDataFolder, out ports);
            app.Lifetime.ApplicationStarted.Register(() => started = true);
            await app.RunAsync();
            return 0;
        }
        catch (Exception ex) when (!started && (ex is MeshStartupException || ListenPorts.IsAddressInUse(ex)))
        {
            // The host is disposed by now (its files closed, its ports released), so the ports can be checked again:
            // one was taken between the check in Build and the listener's own bind.
            var message = ex is MeshStartupException
                ? ex.Message
                : ListenPorts.FindUnusable(ports) ?? $"Mesh cannot start: a port it listens on is already in use ({Innermost(ex).Message}); change it with --silo-port, --gateway-port or --http-url.";
            newDataFolder?.RemoveIfCreated();
            await Console.Error.WriteLineAsync(message);
            return 2;
        }
    }

    /// <summary>Builds a silo configured from <paramref name="args"/>, the environment and appsettings, with its API mapped.</summary>
    public static WebApplication Build(string[] args, Action<ISiloBuilder>? configureSilo = null) => Build(args, configureSilo, out _, out _);

    private static WebApplication Build(string[] args, Action<ISiloBuilder>? configureSilo, out NewDataFolder newDataFolder, out IReadOnlyList<ListenPort> ports)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args });

        // MESH_DATA_DIR sits between appsettings and the command line: --data-dir still wins.
        if (Environment.GetEnvironmentVariable("MESH_DATA_DIR") is { Length: > 0 } dataDir)
        {
            builder.Configuration.AddInMemoryCollection([new("Mesh:DataDir", dataDir)]);
        }

        builder.Configuration.AddCommandLine(args, SwitchMappings);
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);

        var options = builder.Configuration.GetSection(MeshSiloOptions.Section).Get<MeshSiloOptions>() ?? new MeshSiloOptions();
        var problems = options.Validate().ToList();
        if (problems.Count > 0)
        {
            throw new MeshStartupException("Mesh cannot start: " + string.Join(" ", problems));
        }

        options.DataDir = Path.GetFullPath(options.DataDir);

        // Before anything is created: a port that is taken stops the start with one line, and no folder is left behind.
        ports = ListenPorts.Of(options, builder.Configuration);
        if (ListenPorts.FindUnusable(ports) is { } taken)
        {
            throw new MeshStartupException(taken);
        }

        newDataFolder = NewDataFolder.Before(options.DataDir);
        try
        {
            return Build(builder, options, configureSilo);
        }
        catch
        {
            newDataFolder.RemoveIfCreated();
            throw;
        }
    }

    private static WebApplication Build(WebApplicationBuilder builder, MeshSiloOptions options, Action<ISiloBuilder>? configureSilo)
    {
        // The data folder and the embedded databases are private before anything writes to them (docs/DEPLOY.md).
        var tightened = PrivateFiles.EnsureFolder(options.DataDir).ToList();
        if (!options.IsCluster && options.Storage != "memory")
        {
            tightened.AddRange(PrivateFiles.EnsureDatabase(Path.Combine(options.DataDir, EmbeddedDatabase)));
            tightened.AddRange(PrivateFiles.EnsureDatabase(Path.Combine(options.DataDir, EmbeddedAuditDatabase)));
        }

        builder.Services.AddSingleton(options);

        if (!builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(options.HttpUrl);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = ApiLimits.MaxBodyBytes;
        });

        if (options.IsCluster && options.Cluster.CheckSchema)
        {
            ClusterSchemaCheck.EnsureComplete(options.Cluster.ConnectionString!);
        }

        builder.UseOrleans(silo =>
        {
            if (options.IsCluster)
            {
                ClusterMode.Configure(silo, options);
            }
            else
            {
                var primary = options.PrimarySiloPort is { } primaryPort ? new IPEndPoint(IPAddress.Loopback, primaryPort) : null;
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
            }

            silo.AddMeshGrains(grains =>
            {
                grains.ClusterSecret = options.ClusterSecret;
                grains.ControlPlaneLease = options.ControlPlane.Lease;
                grains.ControlPlaneRenewInterval = options.ControlPlane.RenewInterval;
                grains.StaleDenies = options.ControlPlane.StaleDenies;
                grains.Audit.Durability = options.Audit.ParsedDurability!.Value;
                grains.Audit.MaxBatch = options.Audit.MaxBatch;
                grains.Audit.CheckpointInterval = options.Audit.CheckpointInterval;
                grains.Audit.CoverageIntervals = options.Audit.CoverageIntervals;
                grains.Audit.SigningKeyFile = options.Audit.SigningKeyFile ?? Path.Combine(options.DataDir, "audit-signing-key.pem");
                foreach (var trusted in options.Audit.TrustedPublicKeys)
                {
                    grains.Audit.TrustedPublicKeys.Add(trusted);
                }
            });
            if (options.IsCluster)
            {
                // Storage and reminders are PostgreSQL's (ClusterMode).
            }
            else if (options.Storage == "memory")
            {
                AddMemoryStorage(silo, options.DataDir);
            }
            else
            {
                AddEmbeddedStorage(silo, Path.Combine(options.DataDir, EmbeddedDatabase));
            }
            configureSilo?.Invoke(silo);
        });

        builder.Services.AddMeshApi();
        builder.AddMeshTelemetry(options);
        builder.Services.AddHostedService<ReadyAnnouncer>();

        var app = builder.Build();
        PrivateFiles.Log(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(PrivateFiles)), tightened);

        // Open the audit trail now, not at the first decision: a bad signing key or an unusable audit store stops the
        // start with a clear message instead of failing decisions later.
        try
        {
            _ = app.Services.GetRequiredService<Mesh.Grains.Audit.AuditWriter>();
        }
        catch (InvalidOperationException ex)
        {
            throw new MeshStartupException("Mesh cannot start: the audit trail cannot be opened: " + ex.Message, ex);
        }

        app.MapMeshApi();
        return app;
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is not null)
        {
            error = error.InnerException;
        }

        return error;
    }

    private static void AddMemoryStorage(ISiloBuilder silo, string dataDir)
    {
        silo.AddMeshInProcessStorage(dataDir);
        silo.UseInMemoryReminderService();
    }

    private static void AddEmbeddedStorage(ISiloBuilder silo, string databasePath)
    {
        silo.Services.AddSingleton<OrleansBinaryStateSerializer>();
        silo.Services.AddGrainStorage(MeshStorage.ProviderName, (services, _) => new SqliteGrainStorage(
            databasePath,
            services.GetRequiredService<OrleansBinaryStateSerializer>(),
            services.GetRequiredService<ILogger<SqliteGrainStorage>>()));

        // Approval deadlines and escalations survive a restart: reminders live in the same SQLite file.
        silo.UseMeshSqliteReminders(databasePath);

        // The audit trail has a file of its own: its group commits never queue behind grain-state writes.
        var auditPath = Path.Combine(Path.GetDirectoryName(databasePath)!, EmbeddedAuditDatabase);
        silo.Services.AddSingleton<Mesh.Grains.Audit.IAuditStore>(_ => new SqliteAuditStore(auditPath));
    }
}

/// <summary>The silo's settings are unusable; the message says which and why.</summary>
public sealed class MeshStartupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public MeshStartupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public MeshStartupException()
        : base("Mesh cannot start.")
    {
    }

    /// <summary>Creates the exception.</summary>
    public MeshStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
