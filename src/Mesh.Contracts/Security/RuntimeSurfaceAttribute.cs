namespace Mesh.Contracts.Security;

/// <summary>
/// Marks a grain method that agent runtimes may call through the Orleans client (decide, report an outcome,
/// wait for an approval). Every method without it is an operator method: the silo refuses it from clients.
/// </summary>
/// <remarks>An allow-list, so a new method is operator-only until someone decides otherwise (fail closed).</remarks>
[AttributeUsage(AttributeTargets.Method, Inherited = true, AllowMultiple = false)]
public sealed class RuntimeSurfaceAttribute : Attribute
{
}
