using System.Collections.Immutable;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace Mesh.Grains.Hosting.MessagePackState;

/// <summary>
/// Finds the MessagePack formatter for each type in a stored grain state: Orleans <c>[GenerateSerializer]</c> types
/// by their <c>[Id]</c> numbers (<see cref="IdKeyedFormatter{T}"/>), the immutable and hash-based collections Mesh
/// uses, and MessagePack's standard formatters for everything else (primitives, strings, enums as numbers,
/// <see cref="DateTimeOffset"/>, <see cref="TimeSpan"/>, nullables, arrays, lists). A type none of them knows fails
/// with an error that names it, on first use.
/// </summary>
internal sealed class StateResolver : IFormatterResolver
{
    public static readonly StateResolver Instance = new();

    private StateResolver()
    {
    }

    public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

    private static object? Create(Type type)
    {
        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            var formatter = definition switch
            {
                _ when definition == typeof(ImmutableArray<>) => typeof(ImmutableArrayFormatter<>),
                _ when definition == typeof(ImmutableList<>) => typeof(ImmutableListFormatter<>),
                _ when definition == typeof(ImmutableHashSet<>) => typeof(ImmutableHashSetFormatter<>),
                _ when definition == typeof(ImmutableDictionary<,>) => typeof(ImmutableDictionaryFormatter<,>),
                _ when definition == typeof(HashSet<>) => typeof(HashSetFormatter<>),
                _ when definition == typeof(Dictionary<,>) => typeof(DictionaryFormatter<,>),
                _ => null,
            };

            if (formatter is not null)
            {
                return Activator.CreateInstance(formatter.MakeGenericType(arguments));
            }
        }

        if (!type.IsEnum && type.IsDefined(typeof(GenerateSerializerAttribute), inherit: false))
        {
            return typeof(IdKeyedFormatter).GetMethod(nameof(IdKeyedFormatter.Create))!.MakeGenericMethod(type).Invoke(null, null);
        }

        return null;
    }

    // One formatter per type, built once on first use: the per-call path is a static field read.
    private static class Cache<T>
    {
        public static readonly IMessagePackFormatter<T>? Formatter =
            (IMessagePackFormatter<T>?)Create(typeof(T)) ?? StandardResolver.Instance.GetFormatter<T>();
    }
}
