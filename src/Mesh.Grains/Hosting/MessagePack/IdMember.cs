using System.Linq.Expressions;
using System.Reflection;
using MessagePack;

namespace Mesh.Grains.Hosting.MessagePackState;

/// <summary>Sets a member of <typeparamref name="TOwner"/> (by reference, so that structs are set in place).</summary>
internal delegate void RefSetter<TOwner, in TValue>(ref TOwner owner, TValue value);

/// <summary>One <c>[Id]</c> member of a stored type, with compiled accessors: no reflection once built.</summary>
internal abstract class IdMember<TOwner>(int argument)
{
    /// <summary>The member's position among the constructor's parameters; -1 when it is set instead.</summary>
    public int Argument { get; } = argument;

    public abstract void Write(ref MessagePackWriter writer, TOwner owner, MessagePackSerializerOptions options);

    public abstract void ReadInto(ref MessagePackReader reader, ref TOwner owner, MessagePackSerializerOptions options);

    public abstract object? ReadBoxed(ref MessagePackReader reader, MessagePackSerializerOptions options);
}

/// <summary>Builds <see cref="IdMember{TOwner}"/>s.</summary>
internal static class IdMember
{
    public static IdMember<TOwner> Create<TOwner>(MemberInfo member, int argument)
    {
        var valueType = IdKeyedFormatter.MemberType(member);
        var create = typeof(IdMember).GetMethod(nameof(CreateTyped), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(typeof(TOwner), valueType);
        return (IdMember<TOwner>)create.Invoke(null, [member, argument])!;
    }

    private static IdMember<TOwner, TValue> CreateTyped<TOwner, TValue>(MemberInfo member, int argument)
    {
        var owner = Expression.Parameter(typeof(TOwner), "owner");
        var get = Expression.Lambda<Func<TOwner, TValue>>(Expression.MakeMemberAccess(owner, member), owner).Compile();

        RefSetter<TOwner, TValue>? set = null;
        if (argument < 0)
        {
            var target = Expression.Parameter(typeof(TOwner).MakeByRefType(), "target");
            var value = Expression.Parameter(typeof(TValue), "value");
            set = Expression.Lambda<RefSetter<TOwner, TValue>>(Expression.Assign(Expression.MakeMemberAccess(target, member), value), target, value).Compile();
        }

        return new IdMember<TOwner, TValue>(get, set, argument);
    }
}

/// <summary>An <c>[Id]</c> member of type <typeparamref name="TValue"/>.</summary>
internal sealed class IdMember<TOwner, TValue>(Func<TOwner, TValue> get, RefSetter<TOwner, TValue>? set, int argument) : IdMember<TOwner>(argument)
{
    public override void Write(ref MessagePackWriter writer, TOwner owner, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<TValue>().Serialize(ref writer, get(owner), options);

    public override void ReadInto(ref MessagePackReader reader, ref TOwner owner, MessagePackSerializerOptions options) =>
        set!(ref owner, options.Resolver.GetFormatterWithVerify<TValue>().Deserialize(ref reader, options));

    public override object? ReadBoxed(ref MessagePackReader reader, MessagePackSerializerOptions options) =>
        options.Resolver.GetFormatterWithVerify<TValue>().Deserialize(ref reader, options);
}
