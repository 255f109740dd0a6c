using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;

namespace Mesh.Grains.Tests.Storage;

/// <summary>
/// Deep comparison of stored values by their Orleans <c>[Id]</c> members: exact types, exact instants (offset
/// included), ordered sequences, unordered sets and dictionaries, default versus empty immutable arrays.
/// </summary>
internal static class Structural
{
    private const BindingFlags Declared = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    /// <summary>The [Id] members of a stored type, by id.</summary>
    public static IReadOnlyList<(MemberInfo Member, uint Id)> IdMembers(Type type) =>
        type.GetProperties(Declared).Cast<MemberInfo>()
            .Concat(type.GetFields(Declared))
            .Select(m => (Member: m, Attribute: m.GetCustomAttribute<IdAttribute>()))
            .Where(m => m.Attribute is not null)
            .Select(m => (m.Member, m.Attribute!.Id))
            .OrderBy(m => m.Id)
            .ToList();

    public static bool IsStoredObject(Type type) => !type.IsEnum && type.IsDefined(typeof(GenerateSerializerAttribute), inherit: false);

    public static object? ValueOf(MemberInfo member, object owner) => member switch
    {
        PropertyInfo p => p.GetValue(owner),
        FieldInfo f => f.GetValue(owner),
        _ => throw new ArgumentOutOfRangeException(nameof(member)),
    };

    public static Type TypeOf(MemberInfo member) => member is PropertyInfo p ? p.PropertyType : ((FieldInfo)member).FieldType;

    /// <summary>What a reader starts from: a new instance (initializers run), or the type's default.</summary>
    public static object? Fresh(Type type) =>
        type.IsValueType ? Activator.CreateInstance(type)
        : type.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes) is { } ctor ? ctor.Invoke(null)
        : null;

    /// <summary>The member's value on a fresh instance of its owner; the member type's default when there is none.</summary>
    public static object? FreshValue(Type owner, MemberInfo member)
    {
        if (Fresh(owner) is { } fresh)
        {
            return ValueOf(member, fresh);
        }

        var type = TypeOf(member);
        return type.IsValueType ? Activator.CreateInstance(type) : null;
    }

    /// <summary>The first difference, as "path: what", or null when the two are the same.</summary>
    public static string? Difference(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: expected {Show(expected)}, got {Show(actual)}";
        }

        var type = expected.GetType();
        if (type != actual.GetType())
        {
            return $"{path}: expected a {type.Name}, got a {actual.GetType().Name}";
        }

        switch (expected)
        {
            case DateTimeOffset time:
                return time.EqualsExact((DateTimeOffset)actual) ? null : Mismatch(path, expected, actual);
            case byte[] bytes:
                return bytes.AsSpan().SequenceEqual((byte[])actual) ? null : $"{path}: bytes differ";
            case string or TimeSpan or DateTime or decimal or Guid or Enum:
                return Equals(expected, actual) ? null : Mismatch(path, expected, actual);
        }

        if (type.IsPrimitive)
        {
            return Equals(expected, actual) ? null : Mismatch(path, expected, actual);
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ImmutableArray<>))
        {
            var isDefault = type.GetProperty(nameof(ImmutableArray<int>.IsDefault))!;
            var (e, a) = ((bool)isDefault.GetValue(expected)!, (bool)isDefault.GetValue(actual)!);
            if (e || a)
            {
                return e == a ? null : $"{path}: expected {(e ? "a default" : "an initialized")} ImmutableArray";
            }
        }

        if (expected is IDictionary dictionary)
        {
            var other = (IDictionary)actual;
            if (dictionary.Count != other.Count)
            {
                return $"{path}: expected {dictionary.Count} entries, got {other.Count}";
            }

            foreach (DictionaryEntry entry in dictionary)
            {
                var at = $"{path}[{entry.Key}]";
                if (!other.Contains(entry.Key))
                {
                    return $"{at}: missing";
                }

                if (Difference(entry.Value, other[entry.Key], at) is { } difference)
                {
                    return difference;
                }
            }

            return null;
        }

        if (expected is IEnumerable sequence)
        {
            var isSet = type.GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(ISet<>));
            var e = sequence.Cast<object?>().ToList();
            var a = ((IEnumerable)actual).Cast<object?>().ToList();
            if (isSet)
            {
                e = [.. e.OrderBy(Show, StringComparer.Ordinal)];
                a = [.. a.OrderBy(Show, StringComparer.Ordinal)];
            }

            if (e.Count != a.Count)
            {
                return $"{path}: expected {e.Count} items, got {a.Count}";
            }

            for (var i = 0; i < e.Count; i++)
            {
                if (Difference(e[i], a[i], $"{path}[{i}]") is { } difference)
                {
                    return difference;
                }
            }

            return null;
        }

        if (IsStoredObject(type))
        {
            foreach (var (member, id) in IdMembers(type))
            {
                if (Difference(ValueOf(member, expected), ValueOf(member, actual), $"{path}.{member.Name}") is { } difference)
                {
                    return difference;
                }
            }

            return null;
        }

        return Equals(expected, actual) ? null : Mismatch(path, expected, actual);
    }

    /// <summary>
    /// Where a sample leaves a member as a fresh instance would (so a lost member could go unnoticed), or a
    /// collection empty: null when every [Id] member, all the way down, is set to something else.
    /// </summary>
    public static string? Unpopulated(object value, string path = "$")
    {
        var type = value.GetType();
        if (value is IDictionary dictionary)
        {
            if (dictionary.Count == 0)
            {
                return $"{path}: empty";
            }

            foreach (DictionaryEntry entry in dictionary)
            {
                if (entry.Value is { } item && Unpopulated(item, $"{path}[{entry.Key}]") is { } gap)
                {
                    return gap;
                }
            }

            return null;
        }

        if (value is IEnumerable sequence and not string and not byte[])
        {
            var items = sequence.Cast<object?>().ToList();
            if (items.Count == 0)
            {
                return $"{path}: empty";
            }

            for (var i = 0; i < items.Count; i++)
            {
                if (items[i] is { } item && Unpopulated(item, $"{path}[{i}]") is { } gap)
                {
                    return gap;
                }
            }

            return null;
        }

        if (!IsStoredObject(type))
        {
            return null;
        }

        foreach (var (member, _) in IdMembers(type))
        {
            var at = $"{path}.{member.Name}";
            var current = ValueOf(member, value);
            if (current is null)
            {
                return $"{at}: null";
            }

            if (Difference(FreshValue(type, member), current, at) is null)
            {
                return $"{at}: same as on a new instance ({Show(current)})";
            }

            if (Unpopulated(current, at) is { } gap)
            {
                return gap;
            }
        }

        return null;
    }

    private static string Mismatch(string path, object expected, object actual) => $"{path}: expected {Show(expected)}, got {Show(actual)}";

    private static string Show(object? value) => value switch
    {
        null => "null",
        DateTimeOffset time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "?",
    };
}
