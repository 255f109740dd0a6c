using System.Collections.Concurrent;
using System.Reflection;
using Orleans.Serialization.Invocation;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Security;

namespace Mesh.Grains.Security;

/// <summary>Which grain methods are operator-only: every Mesh contract method without <see cref="RuntimeSurfaceAttribute"/>.</summary>
internal static class OperatorMethods
{
    private static readonly Assembly ContractsAssembly = typeof(IAgentGrain).Assembly;
    private static readonly Assembly GrainsAssembly = typeof(OperatorMethods).Assembly;
    // Keyed by interface type and method name: Orleans may hand out a new MethodInfo per call, and reflecting over
    // attributes on every call would cost more than the decision itself.
    private static readonly ConcurrentDictionary<(Type Interface, string Method), bool> Cache = new();

    /// <summary>RequestContext key carrying the cluster-internal proof.</summary>
    public const string ProofKey = "mesh.silo-proof";

    /// <summary>
    /// True for Orleans' own grain interfaces that only the cluster may call, never an Orleans client: the management
    /// grain (forced deactivations, provider commands) and reminder delivery. Clients do need other Orleans system
    /// targets (the cluster manifest, gateway lists), so this is a list, not "everything that is not Mesh's".
    /// </summary>
    public static bool IsClusterOnly(IInvokable request)
    {
        var type = request.GetInterfaceType();
        return type == typeof(IManagementGrain) || type == typeof(IRemindable);
    }

    public static bool IsOperatorOnly(IInvokable request)
    {
        var type = request.GetInterfaceType();
        if (type.Assembly != ContractsAssembly && type.Assembly != GrainsAssembly)
        {
            return false;
        }

        return Cache.GetOrAdd((type, request.GetMethodName()), static (_, r) => r.GetMethod().GetCustomAttribute<RuntimeSurfaceAttribute>() is null, request);
    }
}
