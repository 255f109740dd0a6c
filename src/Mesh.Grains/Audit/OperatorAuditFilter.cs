using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using Mesh.Contracts.Audit;
using Mesh.Contracts.Fleet;
using Mesh.Contracts.Keys;
using Mesh.Contracts.Tenants;
using Mesh.Contracts.Tokens;
using Mesh.Grains.Hosting;
using Orleans.Serialization.Invocation;

namespace Mesh.Grains.Audit;

/// <summary>
/// Records every successful operator change (methods marked <see cref="AuditedActionAttribute"/>) in the audit stream
/// of the tenant it concerns: who (the API token's name), what, on which id, the reason given, and the fleet receipt.
/// One filter instead of a line in every method: a new operator method cannot be forgotten, only left unmarked.
/// Only named facts are copied out of the call, never whole arguments or results (an issued API token's secret is in
/// its result).
/// </summary>
internal sealed class OperatorAuditFilter(IGrainFactory grains) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<(Type Interface, string Method), Audited?> Methods = new();

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        var audited = Describe(context.Request);
        if (audited is null)
        {
            await context.Invoke();
            return;
        }

        await context.Invoke();
        if (audited.ReturnsValue && context.Response?.Result is null)
        {
            // Nothing happened (a bootstrap that found tokens already there, say).
            return;
        }

        var key = context.TargetId.Key.ToString() ?? string.Empty;
        // Fleet-wide grains (sys/fleet, sys/api-tokens) record into the _mesh stream, tenants' grains into the tenant's.
        var stream = key.StartsWith("sys/", StringComparison.Ordinal) ? AuditText.SystemStream
            : MeshKey.TenantOf(key) ?? (MeshKey.IsValidTenant(key) ? key : AuditText.SystemStream);
        var entry = new AuditEntry
        {
            Kind = audited.Kind,
            Actor = OperatorActor.Current,
            AgentId = audited.Action.StartsWith("agent.", StringComparison.Ordinal) ? key : null,
            Message = $"{audited.Action} {key}",
            Detail = Detail(audited, context, key),
            PolicyVersion = context.Response?.Result is PolicyPublication publication ? publication.Version : null,
        };

        // The change is made; if it cannot be recorded the operator must hear so rather than believe all is well.
        await grains.GetGrain<IAuditStreamGrain>(stream).Append(entry);
    }

    private static ImmutableSortedDictionary<string, string> Detail(Audited audited, IIncomingGrainCallContext context, string key)
    {
        var detail = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        detail["action"] = audited.Action;
        detail["target"] = key;
        if (audited.ReasonArgument is { } reasonIndex && context.Request.GetArgument(reasonIndex) is string { Length: > 0 } reason)
        {
            detail["reason"] = reason.Length > 512 ? reason[..512] : reason;
        }

        if (audited.VersionArgument is { } versionIndex && context.Request.GetArgument(versionIndex) is long version)
        {
            detail["version"] = version.ToString(CultureInfo.InvariantCulture);
        }

        var result = context.Response?.Result;
        switch (result)
        {
            case PolicyPublication publication:
                detail["version"] = publication.Version.ToString(CultureInfo.InvariantCulture);
                detail["rules"] = publication.Rules.ToString(CultureInfo.InvariantCulture);
                break;
            case ApiTokenIssued issued:
                detail["token_id"] = issued.Info.Id;
                detail["token_name"] = issued.Info.Name;
                detail["roles"] = string.Join(',', issued.Info.Roles.Select(r => r.ToString().ToLowerInvariant()));
                break;
            case ApiTokenInfo info:
                detail["token_id"] = info.Id;
                detail["token_name"] = info.Name;
                break;
        }

        if (result is not null && audited.Receipt?.GetValue(result) is FleetReceipt receipt)
        {
            detail["receipt.epoch"] = receipt.Epoch.ToString(CultureInfo.InvariantCulture);
            detail["receipt.silos_acknowledged"] = receipt.SilosAcknowledged.ToString(CultureInfo.InvariantCulture);
            detail["receipt.silos_live"] = receipt.SilosLive.ToString(CultureInfo.InvariantCulture);
            detail["receipt.elapsed_ms"] = ((long)receipt.Elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
            detail["receipt.complete"] = receipt.Complete ? "true" : "false";
        }

        return detail.ToImmutable();
    }

    private static Audited? Describe(IInvokable request) =>
        Methods.GetOrAdd((request.GetInterfaceType(), request.GetMethodName()), static (_, r) => Audited.For(r.GetMethod()), request);

    private sealed record Audited(string Action, AuditKind Kind, int? ReasonArgument, int? VersionArgument, PropertyInfo? Receipt, bool ReturnsValue)
    {
        public static Audited? For(MethodInfo method)
        {
            if (method.GetCustomAttribute<AuditedActionAttribute>() is not { } attribute)
            {
                return null;
            }

            var parameters = method.GetParameters();
            int? Index(string name, Type type) => Array.FindIndex(parameters, p => p.Name == name && p.ParameterType == type) is var i and >= 0 ? i : null;
            var resultType = method.ReturnType.IsGenericType ? method.ReturnType.GetGenericArguments()[0] : null;
            var receipt = resultType?.GetProperty("Receipt", typeof(FleetReceipt));
            return new Audited(attribute.Action, attribute.Kind, Index("reason", typeof(string)), Index("version", typeof(long)), receipt, resultType is not null);
        }
    }
}
