using System.Reflection;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Tests.Storage;

/// <summary>
/// Every grain-state type in Mesh.Grains, found by reflection: each <c>T</c> of an <c>IPersistentState&lt;T&gt;</c>
/// taken by a constructor or held in a field (the form <c>IPersistentStateFactory.Create</c> results are kept in).
/// </summary>
internal static class StateTypes
{
    public static IReadOnlyList<Type> All { get; } = Discover();

    private static List<Type> Discover()
    {
        const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var found = new HashSet<Type>();
        foreach (var type in typeof(MessagePackStateSerializer).Assembly.GetTypes())
        {
            var used = type.GetConstructors(Instance).SelectMany(c => c.GetParameters()).Select(p => p.ParameterType)
                .Concat(type.GetFields(Instance).Select(f => f.FieldType));
            foreach (var candidate in used)
            {
                var element = candidate.IsArray ? candidate.GetElementType()! : candidate;
                // Generic helpers (StateWrites, ControlBroadcast) hold IPersistentState<T> of an open T: not a state.
                if (element.IsGenericType && element.GetGenericTypeDefinition() == typeof(IPersistentState<>) && !element.GetGenericArguments()[0].IsGenericParameter)
                {
                    found.Add(element.GetGenericArguments()[0]);
                }
            }
        }

        return [.. found.OrderBy(t => t.Name, StringComparer.Ordinal)];
    }
}
