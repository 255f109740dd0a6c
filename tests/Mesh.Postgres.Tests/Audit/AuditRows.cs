using System.Collections.Immutable;
using Mesh.Contracts.Audit;
using Mesh.Grains.Audit;

namespace Mesh.Postgres.Tests.Audit;

/// <summary>Real audit rows (encoded and hashed as the writer does) and a field-by-field, byte-for-byte comparison.</summary>
internal static class AuditRows
{
    /// <summary>A fixed instant with microseconds below the millisecond, so a store that rounds is caught.</summary>
    public static readonly DateTimeOffset Start = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);

    public static AuditRow Row(
        string stream,
        long sequence,
        DateTimeOffset time,
        AuditKind kind = AuditKind.Decision,
        string? tenant = null,
        string? agent = null,
        string? effect = null,
        string? reason = null,
        string? request = null,
        string? previousHash = null,
        string? message = null) =>
        AuditRow.From(new AuditRecord
        {
            Stream = stream,
            Sequence = sequence,
            Time = time,
            Kind = kind,
            Tenant = tenant ?? stream.Split('/')[0],
            Actor = agent ?? "system",
            AgentId = agent,
            Effect = effect,
            Reason = reason,
            RequestId = request,
            Message = message ?? $"record {sequence} of {stream}",
            Detail = AuditText.EmptyMap.Add("n", sequence.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            PreviousHash = previousHash ?? AuditText.GenesisHash,
        });

    /// <summary>Records <paramref name="first"/>..<paramref name="last"/> of an agent's stream, each naming the previous one's hash.</summary>
    public static ImmutableArray<AuditRow> Chain(string stream, int first, int last, string? previousHash = null)
    {
        var rows = ImmutableArray.CreateBuilder<AuditRow>();
        var previous = previousHash ?? AuditText.GenesisHash;
        for (var sequence = first; sequence <= last; sequence++)
        {
            var row = Row(stream, sequence, Start.AddSeconds(sequence), agent: stream, effect: "allow", reason: "rule_matched", request: $"req-{sequence}", previousHash: previous);
            rows.Add(row);
            previous = row.HashHex;
        }

        return rows.ToImmutable();
    }

    /// <summary>Every column equal, the hash and body byte for byte; the store's id is not compared.</summary>
    public static void AssertSame(AuditRow expected, AuditRow actual)
    {
        Assert.Equal(expected.Stream, actual.Stream);
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.Time, actual.Time);
        Assert.Equal(TimeSpan.Zero, actual.Time.Offset);
        Assert.Equal(expected.Kind, actual.Kind);
        Assert.Equal(expected.Tenant, actual.Tenant);
        Assert.Equal(expected.AgentId, actual.AgentId);
        Assert.Equal(expected.Effect, actual.Effect);
        Assert.Equal(expected.Reason, actual.Reason);
        Assert.Equal(expected.RequestId, actual.RequestId);
        Assert.Equal(expected.Hash, actual.Hash);
        Assert.Equal(expected.Body, actual.Body);
    }

    public static void AssertSame(IReadOnlyList<AuditRow> expected, IReadOnlyList<AuditRow> actual)
    {
        Assert.Equal(expected.Select(r => r.RecordId), actual.Select(r => r.RecordId));
        for (var i = 0; i < expected.Count; i++)
        {
            AssertSame(expected[i], actual[i]);
        }
    }
}
