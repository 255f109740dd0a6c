using System.Collections.Concurrent;
using System.Reflection;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Security;

namespace Mesh.Grains.Security;

/// <summary>Which grain methods are operator-only: every Mesh contract method without <see cref="RuntimeSurfaceAttribute"/>.</summary>
internal static class OperatorMethods
{
    private static readonly Assembly ContractsAssembly = typeof(IAgentGrain).Assembly;
    private static readonly Assembly GrainsAssembly = typeof(OperatorMethods).Assembly;
    private static readonly ConcurrentDictionary<MethodInfo, bool> Cache = new();

    /// <summary>RequestContext key carrying the cluster-internal proof.</summary>
    public const string ProofKey = "mesh.silo-proof";

    public static bool IsOperatorOnly(MethodInfo? method) =>
        method is not null && Cache.GetOrAdd(method, static m =>
            (m.DeclaringType?.Assembly == ContractsAssembly || m.DeclaringType?.Assembly == GrainsAssembly) && m.GetCustomAttribute<RuntimeSurfaceAttribute>() is null);
}
