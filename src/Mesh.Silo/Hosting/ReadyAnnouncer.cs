using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Mesh.Silo.Hosting;

/// <summary>
/// Prints the endpoints and the <c>Mesh ready</c> line once every hosted service (the silo and the HTTP server
/// included) has started, i.e. once the silo serves decisions. Scripts and tests wait for that line.
/// </summary>
internal sealed class ReadyAnnouncer(IHostApplicationLifetime lifetime, MeshSiloOptions options, IServer server, ILocalSiloDetails silo) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            var http = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            Console.Out.WriteLine($"Mesh HTTP API:         {string.Join(", ", http)} (OpenAPI at /openapi/v1.json)");
            if (options.Console)
            {
                Console.Out.WriteLine($"Mesh console:          {string.Join(", ", http.Select(ConsoleUrl))} (sign in with an API token, e.g. the admin token)");
            }

            var address = silo.SiloAddress.Endpoint.Address;
            Console.Out.WriteLine($"Mesh gateway endpoint: {address}:{silo.GatewayAddress?.Endpoint.Port ?? options.GatewayPort} (Orleans clients, cluster '{silo.ClusterId}')");
            Console.Out.WriteLine($"Mesh silo endpoint:    {silo.SiloAddress.Endpoint} ({silo.Name})");
            Console.Out.WriteLine(options.IsCluster
                ? "Mesh storage:          PostgreSQL (membership, grain state, reminders, audit)"
                : $"Mesh data folder:      {options.DataDir}");
            Console.Out.WriteLine($"Mesh audit:            {AuditLine(options.Audit)}");
            Console.Out.WriteLine($"Mesh ready ({(options.IsCluster ? "cluster" : "embedded")} mode). Press Ctrl+C to stop.");
            Console.Out.Flush();
        });
        lifetime.ApplicationStopped.Register(() =>
        {
            Console.Out.WriteLine("Mesh stopped.");
            Console.Out.Flush();
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // A browser cannot open a wildcard address: a silo listening on every interface is shown at localhost.
    private static string ConsoleUrl(string address)
    {
        var url = address.TrimEnd('/') + "/console/";
        return Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host is "0.0.0.0" or "[::]"
            ? new UriBuilder(uri) { Host = "localhost" }.Uri.ToString()
            : url;
    }

    private static string AuditLine(AuditSiloSettings audit) => audit.ParsedDurability switch
    {
        Mesh.Grains.Audit.AuditDurability.Durable => "durable (a decision returns once its record is on disk)",
        Mesh.Grains.Audit.AuditDurability.Async => "ASYNCHRONOUS: decisions return before their records are durable; a crash can lose the queued records",
        _ => "OFF: nothing is recorded. For measuring the cost of auditing only; never run production like this",
    };
}
