using System.Buffers;
using System.Collections.Immutable;
using MessagePack;
using Mesh.Grains.Approvals;
using Mesh.Grains.ControlPlane;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Mesh.Grains.Tests.Storage;

public sealed class MessagePackStateSerializerTests
{
    private static readonly MessagePackStateSerializer Serializer = new();

    public static TheoryData<string> StateTypeNames => [.. StateTypes.All.Select(t => t.Name)];

    private static Type StateType(string name) => StateTypes.All.Single(t => t.Name == name);

    private static object Full(string name) => StateSamples.Full[StateType(name)]();

    // By the value's own type, as a grain's IPersistentState<T> would call it.
    private static byte[] Write(object state) =>
        ((BinaryData)typeof(MessagePackStateSerializer).GetMethod(nameof(MessagePackStateSerializer.Serialize))!.MakeGenericMethod(state.GetType())
            .Invoke(Serializer, [state])!).ToArray();

    private static object Read(Type type, byte[] bytes) =>
        typeof(MessagePackStateSerializer).GetMethod(nameof(MessagePackStateSerializer.Deserialize))!.MakeGenericMethod(type)
            .Invoke(Serializer, [new BinaryData(bytes)])!;

    private static T Read<T>(byte[] bytes) => Serializer.Deserialize<T>(new BinaryData(bytes));

    [Fact]
    public void Discovery_finds_every_state_and_each_has_both_samples()
    {
        string[] known = ["AgentState", "ApiTokenRegistryState", "ApiTokenState", "ApprovalState", "ControlShardState", "CredentialState", "FleetState", "TenantIndexState", "TenantState"];
        Assert.Superset(known.ToHashSet(), StateTypes.All.Select(t => t.Name).ToHashSet());

        var missing = StateTypes.All.Where(t => !StateSamples.Full.ContainsKey(t) || !StateSamples.Typical.ContainsKey(t)).Select(t => t.Name).ToList();
        Assert.True(missing.Count == 0, $"State types without samples in StateSamples (add a Full and a Typical one): {string.Join(", ", missing)}");
    }

    [Theory]
    [MemberData(nameof(StateTypeNames))]
    public void The_full_sample_sets_every_member(string state)
    {
        var gap = Structural.Unpopulated(Full(state));

        Assert.True(gap is null, $"StateSamples.Full for {state} does not exercise every member: {gap}");
    }

    [Theory]
    [MemberData(nameof(StateTypeNames))]
    public void Every_state_round_trips_exactly(string state)
    {
        var original = Full(state);

        var copy = Read(original.GetType(), Write(original));

        Assert.Null(Structural.Difference(original, copy));
        // And Orleans' own serializer, which also sees comparers, cannot tell them apart.
        Assert.Equal(OrleansBinary.SerializeToArray(original), OrleansBinary.SerializeToArray(copy));
    }

    [Theory]
    [MemberData(nameof(StateTypeNames))]
    public void A_new_state_round_trips(string state)
    {
        var fresh = Activator.CreateInstance(StateType(state), nonPublic: true)!;

        Assert.Null(Structural.Difference(fresh, Read(fresh.GetType(), Write(fresh))));
    }

    [Theory]
    [MemberData(nameof(StateTypeNames))]
    public void A_row_written_before_members_were_added_reads_them_as_a_new_instance_has_them(string state)
    {
        var type = StateType(state);
        var original = Full(state);
        var bytes = Write(original);
        var members = Structural.IdMembers(type);

        // Every shorter prefix is what a version that knew only the members below that id wrote.
        for (var known = 0; known <= (int)members[^1].Id; known++)
        {
            var old = Read(type, KeepFirst(bytes, known));
            foreach (var (member, id) in members)
            {
                var expected = id < known ? Structural.ValueOf(member, original) : Structural.FreshValue(type, member);
                var difference = Structural.Difference(expected, Structural.ValueOf(member, old), $"{state}.{member.Name}");
                Assert.True(difference is null, $"With the first {known} ids only: {difference}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(StateTypeNames))]
    public void A_row_written_by_a_newer_version_with_more_members_still_reads(string state)
    {
        var original = Full(state);

        var newer = AppendUnknownMembers(Write(original));

        Assert.Null(Structural.Difference(original, Read(original.GetType(), newer)));
    }

    [Fact]
    public void Added_members_take_their_initializer_values_and_removed_ones_are_ignored()
    {
        var v1 = new WidgetV1 { Name = "w", Count = 3, Part = new PartV1 { Label = "p" } };
        var v2 = new WidgetV2
        {
            Name = "w",
            Count = 3,
            Part = new PartV2 { Label = "p", Seen = DateTimeOffset.UnixEpoch, Notes = ["n"] },
            Tags = ["t"],
            Level = 9,
            Extras = ImmutableDictionary<string, PartV2>.Empty.Add("x", new PartV2 { Label = "deep", Notes = ["a", "b"] }),
        };

        var upgraded = Read<WidgetV2>(Write(v1));
        var downgraded = Read<WidgetV1>(Write(v2));
        var removed = Read<WidgetV3>(Write(v2));

        Assert.Equal(("w", 3, "p"), (upgraded.Name, upgraded.Count, upgraded.Part!.Label));
        Assert.Equal(["fresh"], upgraded.Tags);
        Assert.Equal(7, upgraded.Level);
        Assert.Empty(upgraded.Extras);
        Assert.Null(upgraded.Part.Seen);
        Assert.Equal(["none"], upgraded.Part.Notes.ToArray());
        Assert.Equal(("w", 3, "p"), (downgraded.Name, downgraded.Count, downgraded.Part!.Label));
        Assert.Equal(("w", "p", 9), (removed.Name, removed.Part!.Label, removed.Level));
    }

    [Fact]
    public void A_positional_record_gets_its_parameter_defaults_for_added_members()
    {
        var upgraded = Read<GateV2>(Write(new GateV1(true, 4)));
        var downgraded = Read<GateV1>(Write(new GateV2(true, 4, 5)));

        Assert.Equal(new GateV2(true, 4, 42), upgraded);
        Assert.Equal(new GateV1(true, 4), downgraded);
    }

    [Fact]
    public void A_default_immutable_array_stays_default_and_an_empty_one_empty()
    {
        var state = new PartV2 { Label = "p", Notes = default };

        Assert.True(Read<PartV2>(Write(state)).Notes.IsDefault);
        Assert.True(Read<PartV2>(Write(state with { Notes = [] })).Notes is { IsDefault: false, IsEmpty: true });
    }

    [Fact]
    public void A_corrupt_row_raises_invalid_data_naming_the_state()
    {
        var valid = Write(Full(nameof(ApprovalState)));
        byte[][] corrupt =
        [
            [],
            [0xc0],                                  // nil
            [0xa3, (byte)'a', (byte)'b', (byte)'c'], // a string, not a state
            [0xdd, 0xff, 0xff, 0xff, 0xff],          // an array claiming 4 billion members, with none
            [0xc1],                                  // a code MessagePack never uses
            [.. valid, 0x00],                        // trailing bytes
            valid[..^1],                             // cut short
        ];

        foreach (var bytes in corrupt)
        {
            var error = Assert.Throws<InvalidDataException>(() => Read<ApprovalState>(bytes));
            Assert.Contains(nameof(ApprovalState), error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_truncation_and_every_flipped_byte_either_reads_or_raises_invalid_data()
    {
        var valid = Write(Full(nameof(ControlShardState)));

        for (var length = 0; length < valid.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => Read<ControlShardState>(valid[..length]));
        }

        byte[] replacements = [0x00, 0x7f, 0x90, 0x9f, 0xc0, 0xc1, 0xcc, 0xdc, 0xdd, 0xde, 0xdf, 0xff];
        for (var i = 0; i < valid.Length; i++)
        {
            foreach (var replacement in replacements)
            {
                var bytes = (byte[])valid.Clone();
                bytes[i] = replacement;
                try
                {
                    Read<ControlShardState>(bytes);
                }
                catch (InvalidDataException)
                {
                }
            }
        }
    }

    [Fact]
    public void A_duplicate_dictionary_key_is_corrupt()
    {
        var writer = new ArrayBufferWriter<byte>();
        var msgpack = new MessagePackWriter(writer);
        msgpack.WriteArrayHeader(1);
        msgpack.WriteMapHeader(2);
        foreach (var _ in Enumerable.Range(0, 2))
        {
            msgpack.Write("fleet");
            msgpack.WriteArrayHeader(0);
        }

        msgpack.Flush();

        var error = Assert.Throws<InvalidDataException>(() => Read<ControlShardState>(writer.WrittenSpan.ToArray()));
        Assert.Contains("twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_refused_and_deep_unknown_members_are_skipped_without_recursion()
    {
        static Node Chain(int length) => Enumerable.Range(0, length - 1).Aggregate(new Node(), (next, _) => new Node { Next = next });

        var shallow = Read<Node>(Write(Chain(MessagePackStateSerializer.MaxDepth - 1)));
        var tooDeep = Assert.Throws<InvalidDataException>(() => Read<Node>(Write(Chain(MessagePackStateSerializer.MaxDepth + 1))));

        // A newer version's unknown member nested 100,000 levels deep: skipped without recursion.
        var writer = new ArrayBufferWriter<byte>();
        var msgpack = new MessagePackWriter(writer);
        msgpack.WriteArrayHeader(2);
        msgpack.WriteNil();
        for (var i = 0; i < 100_000; i++)
        {
            msgpack.WriteArrayHeader(1);
        }

        msgpack.WriteNil();
        msgpack.Flush();

        Assert.NotNull(shallow.Next);
        Assert.Contains("depth", tooDeep.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Null(Read<Node>(writer.WrittenSpan.ToArray()).Next);
    }

    [Fact]
    public void A_type_that_cannot_be_stored_faithfully_fails_with_its_name()
    {
        var error = Assert.ThrowsAny<Exception>(() => Write(new Unsealed { Name = "x" }));

        Assert.Contains($"{nameof(Unsealed)} cannot be stored with MessagePack: it is not sealed", Innermost(error).Message, StringComparison.Ordinal);
    }

    private static Exception Innermost(Exception error)
    {
        while (error.InnerException is { } inner)
        {
            error = inner;
        }

        return error;
    }

    private static Serializer OrleansBinary { get; } = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(ApprovalState).Assembly).AddAssembly(typeof(Contracts.Approvals.ApprovalPolicy).Assembly))
        .BuildServiceProvider()
        .GetRequiredService<Serializer>();

    /// <summary>The payload as a version that knew only ids below <paramref name="count"/> would have written it.</summary>
    private static byte[] KeepFirst(byte[] payload, int count)
    {
        var reader = new MessagePackReader(payload);
        var length = reader.ReadArrayHeader();
        var writer = new ArrayBufferWriter<byte>();
        var msgpack = new MessagePackWriter(writer);
        msgpack.WriteArrayHeader(Math.Min(count, length));
        for (var i = 0; i < Math.Min(count, length); i++)
        {
            msgpack.WriteRaw(reader.ReadRaw());
        }

        msgpack.Flush();
        return writer.WrittenSpan.ToArray();
    }

    /// <summary>The payload with three more members after the known ones, as a newer version would write them.</summary>
    private static byte[] AppendUnknownMembers(byte[] payload)
    {
        var reader = new MessagePackReader(payload);
        var length = reader.ReadArrayHeader();
        var writer = new ArrayBufferWriter<byte>();
        var msgpack = new MessagePackWriter(writer);
        msgpack.WriteArrayHeader(length + 3);
        for (var i = 0; i < length; i++)
        {
            msgpack.WriteRaw(reader.ReadRaw());
        }

        msgpack.Write("a newer member");
        msgpack.WriteMapHeader(1);
        msgpack.Write(1);
        msgpack.WriteArrayHeader(2);
        msgpack.Write(DateTime.UnixEpoch);
        msgpack.Write(new byte[] { 1, 2 });
        msgpack.WriteArrayHeader(1);
        msgpack.WriteArrayHeader(1);
        msgpack.WriteNil();
        msgpack.Flush();
        return writer.WrittenSpan.ToArray();
    }
}

// Versions of one stored type, as successive releases would declare them.
[GenerateSerializer]
internal sealed class WidgetV1
{
    [Id(0)] public string Name { get; set; } = string.Empty;

    [Id(1)] public int Count { get; set; }

    [Id(2)] public PartV1? Part { get; set; }
}

[GenerateSerializer]
internal sealed record PartV1
{
    [Id(0)] public string Label { get; init; } = string.Empty;
}

[GenerateSerializer]
internal sealed class WidgetV2
{
    [Id(0)] public string Name { get; set; } = string.Empty;

    [Id(1)] public int Count { get; set; }

    [Id(2)] public PartV2? Part { get; set; }

    [Id(3)] public List<string> Tags { get; set; } = ["fresh"];

    [Id(4)] public int Level { get; set; } = 7;

    [Id(5)] public ImmutableDictionary<string, PartV2> Extras { get; set; } = ImmutableDictionary<string, PartV2>.Empty;
}

[GenerateSerializer]
internal sealed record PartV2
{
    [Id(0)] public string Label { get; init; } = string.Empty;

    [Id(1)] public DateTimeOffset? Seen { get; init; }

    [Id(2)] public ImmutableArray<string> Notes { get; init; } = ["none"];
}

// Count (id 1) removed; its id is never reused.
[GenerateSerializer]
internal sealed class WidgetV3
{
    [Id(0)] public string Name { get; set; } = string.Empty;

    [Id(2)] public PartV1? Part { get; set; }

    [Id(4)] public int Level { get; set; } = 7;
}

[GenerateSerializer]
internal readonly record struct GateV1([property: Id(0)] bool Paused, [property: Id(1)] long Version);

[GenerateSerializer]
internal readonly record struct GateV2([property: Id(0)] bool Paused, [property: Id(1)] long Version, [property: Id(2)] long Shadow = 42);

[GenerateSerializer]
internal sealed class Node
{
    [Id(0)] public Node? Next { get; set; }
}

[GenerateSerializer]
internal class Unsealed
{
    [Id(0)] public string Name { get; set; } = string.Empty;
}
