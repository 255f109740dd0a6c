using System.Linq.Expressions;
using System.Reflection;
using MessagePack;
using MessagePack.Formatters;

namespace Mesh.Grains.Hosting.MessagePackState;

/// <summary>Builds <see cref="IdKeyedFormatter{T}"/>s.</summary>
internal static class IdKeyedFormatter
{
    // Ids index an array: a few nil slots for gaps are cheap, thousands are a mistake.
    private const int MaxId = 255;

    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>
    /// The formatter for <typeparamref name="T"/>, or one that fails with the reason when the type's shape cannot be
    /// stored faithfully (so the problem surfaces with the type's name, not as a corrupt row later).
    /// </summary>
    public static IMessagePackFormatter<T> Create<T>()
    {
        try
        {
            return Build<T>();
        }
        catch (NotSupportedException ex)
        {
            return new UnsupportedFormatter<T>(ex.Message);
        }
    }

    private static IdKeyedFormatter<T> Build<T>()
    {
        var type = typeof(T);
        if (type.IsAbstract || type.IsInterface || (!type.IsValueType && !type.IsSealed))
        {
            throw Unsupported(type, "it is not sealed, so a stored value could be of a derived type whose members would be lost");
        }

        for (var baseType = type.BaseType; baseType is not null && baseType != typeof(object) && baseType != typeof(ValueType); baseType = baseType.BaseType)
        {
            if (IdMembers(baseType).Any())
            {
                throw Unsupported(type, $"its base type {baseType.Name} has [Id] members (Orleans numbers each level of a hierarchy on its own)");
            }
        }

        var members = IdMembers(type).OrderBy(m => m.Id).ToList();
        foreach (var duplicate in members.GroupBy(m => m.Id).Where(g => g.Count() > 1))
        {
            throw Unsupported(type, $"[Id({duplicate.Key})] is used by {string.Join(" and ", duplicate.Select(m => m.Member.Name))}");
        }

        if (members.Count > 0 && members[^1].Id > MaxId)
        {
            throw Unsupported(type, $"[Id({members[^1].Id})] is above {MaxId}");
        }

        foreach (var (member, _) in members)
        {
            if (MemberType(member) == typeof(object))
            {
                throw Unsupported(type, $"member {member.Name} is typed object, so its type could not be read back");
            }
        }

        var parameterless = type.IsValueType ? null : type.GetConstructor(Declared & ~BindingFlags.DeclaredOnly, Type.EmptyTypes);
        var constructor = parameterless is null ? CoveringConstructor(type, members) : null;
        if (parameterless is null && constructor is null && !type.IsValueType)
        {
            throw Unsupported(type, "it has neither a parameterless constructor nor one whose parameters are exactly its [Id] members");
        }

        var slots = new IdMember<T>?[members.Count == 0 ? 0 : (int)members[^1].Id + 1];
        var parameters = constructor?.GetParameters();
        foreach (var (member, id) in members)
        {
            var argument = parameters is null ? -1 : Array.FindIndex(parameters, p => Matches(p, member));
            if (argument < 0 && !IsWritable(member))
            {
                throw Unsupported(type, $"member {member.Name} can be neither set nor passed to a constructor");
            }

            slots[id] = IdMember.Create<T>(member, argument);
        }

        return constructor is null
            ? new IdKeyedFormatter<T>(slots, NewInstance<T>())
            : new IdKeyedFormatter<T>(slots, Construct<T>(constructor), parameters!.Select(DefaultOf).ToArray());
    }

    private static IEnumerable<(MemberInfo Member, uint Id)> IdMembers(Type type) =>
        type.GetProperties(Declared).Cast<MemberInfo>()
            .Concat(type.GetFields(Declared))
            .Select(m => (Member: m, Attribute: m.GetCustomAttribute<IdAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Member, m.Attribute!.Id));

    internal static Type MemberType(MemberInfo member) => member switch
    {
        PropertyInfo p => p.PropertyType,
        FieldInfo f => f.FieldType,
        _ => throw new ArgumentOutOfRangeException(nameof(member)),
    };

    private static bool IsWritable(MemberInfo member) => member switch
    {
        PropertyInfo p => p.SetMethod is not null,
        FieldInfo f => !f.IsInitOnly,
        _ => false,
    };

    private static bool Matches(ParameterInfo parameter, MemberInfo member) =>
        string.Equals(parameter.Name, member.Name, StringComparison.OrdinalIgnoreCase) && parameter.ParameterType == MemberType(member);

    // A positional record's constructor: every parameter is an [Id] member and every [Id] member is a parameter.
    private static ConstructorInfo? CoveringConstructor(Type type, List<(MemberInfo Member, uint Id)> members) =>
        type.GetConstructors(Declared & ~BindingFlags.DeclaredOnly)
            .Where(c => c.GetParameters() is { Length: > 0 } ps
                && ps.Length == members.Count
                && ps.All(p => members.Any(m => Matches(p, m.Member))))
            .FirstOrDefault();

    private static object? DefaultOf(ParameterInfo parameter)
    {
        var type = parameter.ParameterType;
        if (parameter.HasDefaultValue && parameter.DefaultValue is { } value)
        {
            return type.IsEnum ? Enum.ToObject(type, value) : value;
        }

        return type.IsValueType && Nullable.GetUnderlyingType(type) is null ? Activator.CreateInstance(type) : null;
    }

    private static Func<T> NewInstance<T>() => Expression.Lambda<Func<T>>(Expression.New(typeof(T))).Compile();

    private static Func<object?[], T> Construct<T>(ConstructorInfo constructor)
    {
        var arguments = Expression.Parameter(typeof(object?[]), "arguments");
        var values = constructor.GetParameters()
            .Select((p, i) => Expression.Convert(Expression.ArrayIndex(arguments, Expression.Constant(i)), p.ParameterType));
        return Expression.Lambda<Func<object?[], T>>(Expression.New(constructor, values), arguments).Compile();
    }

    private static NotSupportedException Unsupported(Type type, string why) =>
        new($"{type.FullName} cannot be stored with MessagePack: {why}.");
}

/// <summary>
/// Writes an Orleans <c>[GenerateSerializer]</c> type as a MessagePack array in which element <c>n</c> is the member
/// marked <c>[Id(n)]</c> (nil for an id no member has): MessagePack's own integer-key layout, numbered by the ids
/// Orleans already requires never to change. Reading starts from a new instance, so an element missing from an
/// older payload leaves the member at its initializer's value; elements past the last known id (written by a newer
/// version) are skipped.
/// </summary>
internal sealed class IdKeyedFormatter<T> : IMessagePackFormatter<T>
{
    private readonly IdMember<T>?[] _members;
    private readonly Func<T>? _create;
    private readonly Func<object?[], T>? _construct;
    private readonly object?[]? _defaults;

    public IdKeyedFormatter(IdMember<T>?[] members, Func<T> create)
    {
        _members = members;
        _create = create;
    }

    public IdKeyedFormatter(IdMember<T>?[] members, Func<object?[], T> construct, object?[] defaults)
    {
        _members = members;
        _construct = construct;
        _defaults = defaults;
    }

    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNil();
            return;
        }

        writer.WriteArrayHeader(_members.Length);
        foreach (var member in _members)
        {
            if (member is null)
            {
                writer.WriteNil();
            }
            else
            {
                member.Write(ref writer, value, options);
            }
        }
    }

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
    {
        if (reader.TryReadNil())
        {
            return typeof(T).IsValueType ? throw new MessagePackSerializationException($"Nil where a {typeof(T).Name} was expected.") : default!;
        }

        var count = reader.ReadArrayHeader();
        options.Security.DepthStep(ref reader);
        try
        {
            return _create is not null ? ReadMembers(ref reader, count, options) : ReadArguments(ref reader, count, options);
        }
        finally
        {
            reader.Depth--;
        }
    }

    private T ReadMembers(ref MessagePackReader reader, int count, MessagePackSerializerOptions options)
    {
        var value = _create!();
        for (var i = 0; i < count; i++)
        {
            if (i < _members.Length && _members[i] is { } member)
            {
                member.ReadInto(ref reader, ref value, options);
            }
            else
            {
                MessagePackSkip.Value(ref reader);
            }
        }

        return value;
    }

    private T ReadArguments(ref MessagePackReader reader, int count, MessagePackSerializerOptions options)
    {
        var arguments = (object?[])_defaults!.Clone();
        for (var i = 0; i < count; i++)
        {
            if (i < _members.Length && _members[i] is { } member)
            {
                arguments[member.Argument] = member.ReadBoxed(ref reader, options);
            }
            else
            {
                MessagePackSkip.Value(ref reader);
            }
        }

        return _construct!(arguments);
    }
}

/// <summary>Fails, with the reason, when a type's shape cannot be stored faithfully.</summary>
internal sealed class UnsupportedFormatter<T>(string reason) : IMessagePackFormatter<T>
{
    public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) => throw new NotSupportedException(reason);

    public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => throw new NotSupportedException(reason);
}
