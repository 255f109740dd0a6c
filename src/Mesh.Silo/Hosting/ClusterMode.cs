using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Mesh.Grains.Hosting;
using Mesh.Silo.Storage;
using Orleans.Configuration;

namespace Mesh.Silo.Hosting;

/// <summary>
/// Cluster mode: any number of silos on PostgreSQL through Orleans' ADO.NET providers — membership (which is also how
/// clients find gateways), grain state (MessagePack) and reminders (approval deadlines and escalations); and the audit
/// trail through <see cref="PostgresAuditStore"/>.
/// </summary>
internal static class ClusterMode
{
    /// <summary>The ADO.NET invariant name Orleans uses to load Npgsql.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Orleans' membership settings (probe timeouts, votes, defunct-silo clean-up) can be tuned under this section,
    /// e.g. <c>Orleans:Membership:ProbeTimeout</c>; the defaults suit most clusters.
    /// </summary>
    public const string MembershipSection = "Orleans:Membership";

    public static void Configure(ISiloBuilder silo, MeshSiloOptions options)
    {
        var connectionString = options.Cluster.ConnectionString!;
        if (options.Kubernetes)
        {
            // Pod name, address and the cluster/service ids come from the pod (ORLEANS_CLUSTER_ID and
            // ORLEANS_SERVICE_ID, which the manifests fill from the pod's labels); only the ports are Mesh's.
            silo.UseKubernetesHosting();
            silo.Configure<EndpointOptions>(o =>
            {
                o.SiloPort = options.SiloPort;
                o.GatewayPort = options.GatewayPort;
            });
        }
        else
        {
            var advertised = options.AdvertisedAddress is { } text ? IPAddress.Parse(text) : DefaultAdvertisedAddress();
            silo.Configure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = advertised;
                o.SiloPort = options.SiloPort;
                o.GatewayPort = options.GatewayPort;

                // Listen on every interface: the advertised address may belong to a NAT or container network.
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Any, options.SiloPort);
                o.GatewayListeningEndpoint = new IPEndPoint(IPAddress.Any, options.GatewayPort);
            });
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });
        }

        silo.Services.AddOptions<ClusterMembershipOptions>().BindConfiguration(MembershipSection);
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddAdoNetGrainStorage(MeshStorage.ProviderName, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;

            // Cleared state (a deleted token, say) leaves no row behind.
            o.DeleteStateOnClear = true;
            o.GrainStorageSerializer = new MessagePackStateSerializer();
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });

        // The audit trail: tables of deploy/sql/006_audit.sql, batches written with binary COPY.
        silo.Services.AddSingleton<Mesh.Grains.Audit.IAuditStore>(_ => new PostgresAuditStore(connectionString));
    }

    /// <summary>The first IPv4 address of an interface that is up and not loopback; loopback when there is none.</summary>
    public static IPAddress DefaultAdvertisedAddress()
    {
        foreach (var nic in NetworkInterface.GetAllNetworkInterfaces())
        {
            if (nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
            {
                continue;
            }

            foreach (var unicast in nic.GetIPProperties().UnicastAddresses)
            {
                if (unicast.Address.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(unicast.Address))
                {
                    return unicast.Address;
                }
            }
        }

        return IPAddress.Loopback;
    }
}
