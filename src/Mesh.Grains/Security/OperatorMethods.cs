using System.Collections.Concurrent;
using System.Reflection;
using Orleans.Serialization.Invocation;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Security;

namespace Mesh.Grains.Security;

/// <summary>
/// Which grain methods are operator-only: every Mesh contract method without <see cref="RuntimeSurfaceAttribute"/>,
/// and Orleans' own silo-facing interfaces a client has no business calling.
/// </summary>
internal static class OperatorMethods
{
    // The management grain lists every activation (agent and tenant ids of the whole fleet) and can force
    // deactivations or garbage collections; IRemindable is the reminder service's entry point into Mesh grains. Silos
    // use both (stamped like any operator call); an Orleans client connected to a gateway may not.
    private static readonly Type[] SiloOnlyOrleansInterfaces = [typeof(IManagementGrain), typeof(IRemindable)];

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
            return Array.IndexOf(SiloOnlyOrleansInterfaces, type) >= 0;
        }

        return Cache.GetOrAdd((type, request.GetMethodName()), static (_, r) => r.GetMethod().GetCustomAttribute<RuntimeSurfaceAttribute>() is null, request);
    }
}
