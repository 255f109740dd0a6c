using Mesh.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Mesh.Silo.Api.Auth;
using Mesh.Silo.Api.Endpoints;
using Mesh.Silo.Api.Http;

namespace Mesh.Silo.Api;

/// <summary>The operator HTTP API and the HTTP decision endpoint, served by every silo under <c>/v1</c>.</summary>
internal static class MeshApi
{
    public static void AddMeshApi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new AuthFailureThrottle(sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Hosting.MeshSiloOptions>().FreeAuthFailures));

        // No default scheme: only endpoints whose policy names the API token scheme authenticate with it. Runtime
        // routes (decide, outcomes, approval waits) are anonymous to it, so agent tokens are never counted as failed
        // operator logins. ASP.NET Core makes a lone scheme the default unless this switch (read when the options are
        // first used) says not to; the scheme would then run on every request and take each agent token for a
        // malformed operator token, logging and counting it as a failed login.
        AppContext.SetSwitch("Microsoft.AspNetCore.Authentication.SuppressAutoDefaultScheme", true);
        services.AddAuthentication()
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, ApiTokenAuthenticationHandler>(ApiTokenAuthenticationHandler.SchemeName, null);
        services.AddAuthorization(ApiPolicies.Add);
        services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        services.AddOpenApi("v1", options =>
        {
            RequestBodyDocs.AddTransformer(options);
            DecisionJson.Document(options);
        });
        services.AddHostedService<AdminTokenBootstrap>();
        services.AddMeshHealth();
    }

    public static void MapMeshApi(this WebApplication app)
    {
        // Probes run straight after routing, before any middleware below (no authentication, no throttle).
        app.MapMeshHealth();
        app.UseMiddleware<ProblemMiddleware>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapOpenApi("/openapi/{documentName}.json");

        var v1 = app.MapGroup("/v1");

        // Every grain call an authenticated request makes carries who made it; grains record it with each change.
        v1.AddEndpointFilter((context, next) =>
        {
            if (context.HttpContext.User.Identity is { IsAuthenticated: true, Name: { } name })
            {
                OperatorActor.Set(name);
            }

            return next(context);
        });

        AgentEndpoints.Map(v1);
        CredentialEndpoints.Map(v1);
        TenantEndpoints.Map(v1);
        PolicyEndpoints.Map(v1);
        ApprovalEndpoints.Map(v1);
        TokenEndpoints.Map(v1);
        RuntimeEndpoints.Map(v1);
        AuditEndpoints.Map(v1);

        if (app.Services.GetRequiredService<Hosting.MeshSiloOptions>().Console)
        {
            WebConsole.ConsoleEndpoints.Map(app);
        }

        // Anything else under the API is a 404 problem, not an empty body.
        app.MapFallback((HttpContext context) => ProblemWriter.WriteAsync(context, StatusCodes.Status404NotFound, "not_found", $"No endpoint {context.Request.Method} {context.Request.Path}."));
    }
}
