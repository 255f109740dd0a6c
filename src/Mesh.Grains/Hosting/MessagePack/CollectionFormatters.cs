using System.Collections.Immutable;
using MessagePack;
using MessagePack.Formatters;

namespace Mesh.Grains.Hosting.MessagePackState;

/// <summary>
/// Helpers shared by the collection formatters: a stored length is only a claim, so it never sizes an allocation
/// beyond <see cref="MaxPreallocation"/>, and hashed keys get a comparer that a crafted row cannot flood.
/// </summary>
internal static class Collections
{
    public const int MaxPreallocation = 1024;

    public static int Capacity(int count) => Math.Min(count, MaxPreallocation);

    /// <summary>
    /// Ordinal for strings (the comparer Mesh's states use; .NET switches it to randomized hashing when it sees
    /// collisions), MessagePack's collision-resistant comparer for other key types.
    /// </summary>
    public static IEqualityComparer<TKey> Comparer<TKey>(MessagePackSerializerOptions options) =>
        typeof(TKey) == typeof(string) ? (IEqualityComparer<TKey>)StringComparer.Ordinal : options.Security.GetEqualityComparer<TKey>();

    /// <summary>
    /// The default comparer for strings in immutable collections (what <c>ImmutableDictionary&lt;string, T&gt;.Empty</c>
    /// carries; string hashing is randomized per process), else the collision-resistant one.
    /// </summary>
    public static IEqualityComparer<TKey> ImmutableComparer<TKey>(MessagePackSerializerOptions options) =>
        typeof(TKey) == typeof(string) ? EqualityComparer<TKey>.Default : options.Security.GetEqualityComparer<TKey>();

    public static MessagePackSerializationException Duplicate(string collection) =>
        new($"The stored {collection} holds the same key twice.");
}

/// <summary><see cref="ImmutableArray{T}"/> as an array; a default (uninitialized) one as nil.</summary>
internal sealed class ImmutableArrayFormatter<T> : IMessagePackFormatter<ImmutableArray<T>>
{
    public void Serialize(ref MessagePackWriter writer, ImmutableArray<T> value, MessagePackSerializerOptions options)
    {
        if (value.IsDefault)
        {
            writer.WriteNil();
            return;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        writer.WriteArrayHeader(value.Length);
        foreach (var item in value)
        {
            formatter.Serialize(ref writer, item, options);
        }
    }

    public ImmutableArray<T> Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return default;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        var count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        try
        {
            var builder = ImmutableArray.CreateBuilder<T>(Collections.Capacity(count));
            for (var i = 0; i < count; i++)
            {
                builder.Add(formatter.Deserialize(ref reader, options));
            }

            return builder.DrainToImmutable();
        }
        finally
        {
            reader.Depth--;
        }
    }
}

/// <summary><see cref="ImmutableList{T}"/> as an array.</summary>
internal sealed class ImmutableListFormatter<T> : IMessagePackFormatter<ImmutableList<T>?>
{
    public void Serialize(ref MessagePackWriter writer, ImmutableList<T>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        writer.WriteArrayHeader(value.Count);
        foreach (var item in value)
        {
            formatter.Serialize(ref writer, item, options);
        }
    }

    public ImmutableList<T>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        var count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        try
        {
            var builder = ImmutableList.CreateBuilder<T>();
            for (var i = 0; i < count; i++)
            {
                builder.Add(formatter.Deserialize(ref reader, options));
            }

            return builder.ToImmutable();
        }
        finally
        {
            reader.Depth--;
        }
    }
}

/// <summary><see cref="ImmutableHashSet{T}"/> as an array.</summary>
internal sealed class ImmutableHashSetFormatter<T> : IMessagePackFormatter<ImmutableHashSet<T>?>
{
    public void Serialize(ref MessagePackWriter writer, ImmutableHashSet<T>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        writer.WriteArrayHeader(value.Count);
        foreach (var item in value)
        {
            formatter.Serialize(ref writer, item, options);
        }
    }

    public ImmutableHashSet<T>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        var count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        try
        {
            var builder = ImmutableHashSet.CreateBuilder(Collections.ImmutableComparer<T>(options));
            for (var i = 0; i < count; i++)
            {
                if (!builder.Add(formatter.Deserialize(ref reader, options)))
                {
                    throw Collections.Duplicate("set");
                }
            }

            return builder.ToImmutable();
        }
        finally
        {
            reader.Depth--;
        }
    }
}

/// <summary><see cref="ImmutableDictionary{TKey, TValue}"/> as a map.</summary>
internal sealed class ImmutableDictionaryFormatter<TKey, TValue> : IMessagePackFormatter<ImmutableDictionary<TKey, TValue>?>
    where TKey : notnull
{
    public void Serialize(ref MessagePackWriter writer, ImmutableDictionary<TKey, TValue>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var keys = options.Resolver.GetFormatterWithVerify<TKey>();
        var values = options.Resolver.GetFormatterWithVerify<TValue>();
        writer.WriteMapHeader(value.Count);
        foreach (var (key, item) in value)
        {
            keys.Serialize(ref writer, key, options);
            values.Serialize(ref writer, item, options);
        }
    }

    public ImmutableDictionary<TKey, TValue>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var keys = options.Resolver.GetFormatterWithVerify<TKey>();
        var values = options.Resolver.GetFormatterWithVerify<TValue>();
        var count = reader.ReadMapHeader();
        options.Security.DepthStep(ref reader);
        try
        {
            var builder = ImmutableDictionary.CreateBuilder<TKey, TValue>(Collections.ImmutableComparer<TKey>(options));
            for (var i = 0; i < count; i++)
            {
                var key = keys.Deserialize(ref reader, options);
                if (!builder.TryAdd(key, values.Deserialize(ref reader, options)))
                {
                    throw Collections.Duplicate("dictionary");
                }
            }

            return builder.ToImmutable();
        }
        finally
        {
            reader.Depth--;
        }
    }
}

/// <summary><see cref="HashSet{T}"/> as an array.</summary>
internal sealed class HashSetFormatter<T> : IMessagePackFormatter<HashSet<T>?>
{
    public void Serialize(ref MessagePackWriter writer, HashSet<T>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        writer.WriteArrayHeader(value.Count);
        foreach (var item in value)
        {
            formatter.Serialize(ref writer, item, options);
        }
    }

    public HashSet<T>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var formatter = options.Resolver.GetFormatterWithVerify<T>();
        var count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        try
        {
            var set = new HashSet<T>(Collections.Capacity(count), Collections.Comparer<T>(options));
            for (var i = 0; i < count; i++)
            {
                if (!set.Add(formatter.Deserialize(ref reader, options)))
                {
                    throw Collections.Duplicate("set");
                }
            }

            return set;
        }
        finally
        {
            reader.Depth--;
        }
    }
}

/// <summary><see cref="Dictionary{TKey, TValue}"/> as a map.</summary>
internal sealed class DictionaryFormatter<TKey, TValue> : IMessagePackFormatter<Dictionary<TKey, TValue>?>
    where TKey : notnull
{
    public void Serialize(ref MessagePackWriter writer, Dictionary<TKey, TValue>? value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        var keys = options.Resolver.GetFormatterWithVerify<TKey>();
        var values = options.Resolver.GetFormatterWithVerify<TValue>();
        writer.WriteMapHeader(value.Count);
        foreach (var (key, item) in value)
        {
            keys.Serialize(ref writer, key, options);
            values.Serialize(ref writer, item, options);
        }
    }

    public Dictionary<TKey, TValue>? Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        var keys = options.Resolver.GetFormatterWithVerify<TKey>();
        var values = options.Resolver.GetFormatterWithVerify<TValue>();
        var count = reader.ReadMapHeader();
        options.Security.DepthStep(ref reader);
        try
        {
            var dictionary = new Dictionary<TKey, TValue>(Collections.Capacity(count), Collections.Comparer<TKey>(options));
            for (var i = 0; i < count; i++)
            {
                var key = keys.Deserialize(ref reader, options);
                if (!dictionary.TryAdd(key, values.Deserialize(ref reader, options)))
                {
                    throw Collections.Duplicate("dictionary");
                }
            }

            return dictionary;
        }
        finally
        {
            reader.Depth--;
        }
    }
}
