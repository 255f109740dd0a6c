using MessagePack;
using Mesh.Grains.Hosting.MessagePackState;
using Orleans.Storage;

namespace Mesh.Grains.Hosting;

/// <summary>
/// Stores grain state as MessagePack (cluster mode: <c>AdoNetGrainStorageOptions.GrainStorageSerializer</c>).
/// </summary>
/// <remarks>
/// <para>
/// <b>Mapping.</b> Every Mesh state and the records it holds already carry Orleans <c>[GenerateSerializer]</c> and an
/// explicit, never-renumbered <c>[Id(n)]</c> on each member. This serializer reuses those numbers rather than adding a
/// second contract: a type is written as a MessagePack array whose element <c>n</c> is the member with <c>[Id(n)]</c>
/// (nil where no member has that id), which is MessagePack's own integer-key (<c>[Key(n)]</c>) layout. It is compact
/// (no names in the payload), needs no MessagePack attributes in <c>Mesh.Contracts</c>, and evolves the way Orleans
/// types already must:
/// </para>
/// <list type="bullet">
/// <item>a member added with a new id reads, from a row written before it existed, as whatever a new instance holds
/// (its initializer, or the constructor parameter's default for positional records);</item>
/// <item>elements beyond the last id a reader knows (written by a newer version) are skipped, however nested;</item>
/// <item>a removed member's id stays unused (its slot is written as nil and ignored on read); ids are never reused
/// and a member's type never changes incompatibly.</item>
/// </list>
/// <para>
/// String-keyed, contractless maps were the alternative: equally tolerant, but they repeat every member name in every
/// row (System.Text.Json, which does the same, is about twice the size: docs/STORAGE.md), tie the stored format to C#
/// property names (a rename silently drops data), and would also store computed properties. Enums are stored as their numbers (Mesh never renumbers them),
/// <see cref="DateTimeOffset"/> as MessagePack's timestamp plus the offset, <see cref="TimeSpan"/> as ticks.
/// <see cref="System.Collections.Immutable.ImmutableArray{T}"/>, <c>ImmutableList</c>, <c>ImmutableHashSet</c> and
/// <c>ImmutableDictionary</c> are handled here (a default <c>ImmutableArray</c> is stored as nil and reads back as
/// default). Types that cannot be stored faithfully (not sealed, members typed <see cref="object"/>, members that can
/// be neither set nor passed to a constructor) fail on first use with a message naming the type.
/// </para>
/// <para>
/// <b>Safety.</b> Stored rows are input: reading uses <see cref="MessagePackSecurity.UntrustedData"/> (hash-flooding
/// resistant comparers), a nesting limit of <see cref="MaxDepth"/>, and never trusts a stored length to size an
/// allocation. Any malformed row raises <see cref="InvalidDataException"/> naming the state type.
/// </para>
/// <para>
/// <b>Performance.</b> The options and resolver are static; each type's formatter is built once, with compiled member
/// accessors, and cached in a static generic field, so a call does no reflection. See docs/STORAGE.md for sizes.
/// </para>
/// </remarks>
public sealed class MessagePackStateSerializer : IGrainStorageSerializer
{
    /// <summary>
    /// The deepest nesting of objects and collections a stored state may have. Mesh's deepest state today is about 8
    /// levels (control-plane shard → change → credential → spec → scopes → scope → globs).
    /// </summary>
    public const int MaxDepth = 32;

    private static readonly MessagePackSerializerOptions Options = MessagePackSerializerOptions.Standard
        .WithResolver(StateResolver.Instance)
        .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(MaxDepth));

    /// <inheritdoc />
    public BinaryData Serialize<T>(T? input) => new(MessagePackSerializer.Serialize(input, Options));

    /// <inheritdoc />
    /// <exception cref="InvalidDataException">The stored bytes are not a valid <typeparamref name="T"/>.</exception>
    public T Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var bytes = input.ToMemory();
        T? value;
        int read;
        try
        {
            value = MessagePackSerializer.Deserialize<T>(bytes, Options, out read);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new InvalidDataException($"Stored state of type {typeof(T).Name} is not valid MessagePack for that type ({bytes.Length} bytes): {Innermost(ex).Message}", ex);
        }

        if (read != bytes.Length)
        {
            throw new InvalidDataException($"Stored state of type {typeof(T).Name} has {bytes.Length - read} unexpected bytes after its end.");
        }

        return value ?? throw new InvalidDataException($"Stored state of type {typeof(T).Name} deserialized to nothing.");
    }

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is { } inner)
        {
            ex = inner;
        }

        return ex;
    }
}
