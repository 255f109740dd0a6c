using System.Text.Json;
using Mesh.Grains.Diagnostics;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Silo.Api.Endpoints;

/// <summary>
/// The probes a load balancer or Kubernetes asks (docs/OBSERVABILITY.md). <c>/healthz</c> (liveness): the process
/// serves HTTP. <c>/readyz</c> (readiness): the silo has started, is not stopping, and its control-plane view is
/// loaded and within its lease, so its decisions are not all <c>control_plane_stale</c>; 503 otherwise, with a small
/// JSON body naming the failing check.
/// </summary>
/// <remarks>
/// Both run straight after routing (<c>ShortCircuit</c>): no authentication, no problem middleware, so a probe
/// needs no token, a token it sends anyway is never examined, and probes never count toward (nor are refused by)
/// the throttle on failed authentications. They say nothing about the cluster beyond ready or not.
/// </remarks>
internal static class HealthEndpoints
{
    public const string LivenessPath = "/healthz";
    public const string ReadinessPath = "/readyz";
    private const string ReadyTag = "ready";

    public static IServiceCollection AddMeshHealth(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<SiloCheck>("silo", tags: [ReadyTag])
            .AddCheck<ControlViewCheck>("control_plane_view", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapMeshHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivenessPath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).ShortCircuit();
        endpoints.MapHealthChecks(ReadinessPath, new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync }).ShortCircuit();
        return endpoints;
    }

    public static bool IsProbe(PathString path) =>
        path.Equals(LivenessPath, StringComparison.OrdinalIgnoreCase) || path.Equals(ReadinessPath, StringComparison.OrdinalIgnoreCase);

    // {"status":"unhealthy","checks":{"silo":{"status":"healthy"},"control_plane_view":{"status":"unhealthy","detail":"…"}}}
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", StatusName(report.Status));
        if (report.Entries.Count > 0)
        {
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", StatusName(entry.Status));
                // Only the checks' own fixed sentences: never an exception's message.
                if (entry.Description is { } detail)
                {
                    json.WriteString("detail", detail);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }

    private static string StatusName(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };

    /// <summary>Started (every hosted service, the silo and the HTTP server included) and not stopping.</summary>
    private sealed class SiloCheck(IHostApplicationLifetime lifetime) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(
                lifetime.ApplicationStopping.IsCancellationRequested ? HealthCheckResult.Unhealthy("The silo is stopping.")
                : !lifetime.ApplicationStarted.IsCancellationRequested ? HealthCheckResult.Unhealthy("The silo is starting.")
                : HealthCheckResult.Healthy());
    }

    /// <summary>The view decisions read is loaded and confirmed within its lease.</summary>
    private sealed class ControlViewCheck(ControlViewStatus view) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(
                !view.IsLoaded ? HealthCheckResult.Unhealthy("The control-plane view is not loaded yet; decisions are denied.")
                : !view.IsCurrent ? HealthCheckResult.Unhealthy("The control-plane view could not be confirmed within its lease; decisions are denied.")
                : HealthCheckResult.Healthy());
    }
}
