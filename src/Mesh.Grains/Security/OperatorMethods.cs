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
