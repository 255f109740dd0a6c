using System.Buffers;
using MessagePack;

namespace Mesh.Grains.Audit;

/// <summary>One stream's head in a checkpoint.</summary>
/// <param name="Stream">The stream.</param>
/// <param name="Sequence">Its last record's sequence number when signed.</param>
/// <param name="Hash">That record's hash.</param>
public sealed record CheckpointHead(string Stream, long Sequence, byte[] Hash);

/// <summary>What a checkpoint's signed body says.</summary>
/// <param name="Time">When it was signed.</param>
/// <param name="Writer">The silo process that signed it.</param>
/// <param name="Heads">The stream heads it signs.</param>
public sealed record CheckpointContents(DateTimeOffset Time, string Writer, IReadOnlyList<CheckpointHead> Heads);

/// <summary>The canonical encoding of a checkpoint's heads: [version, time µs, writer, [[stream, sequence, hash]...]] sorted by stream.</summary>
public static class AuditCheckpoints
{
    private const int FormatVersion = 1;

    /// <summary>Encodes heads (sorted here by stream, ordinal).</summary>
    public static byte[] Encode(DateTimeOffset time, string writerName, IEnumerable<CheckpointHead> heads)
    {
        var sorted = heads.OrderBy(h => h.Stream, StringComparer.Ordinal).ToList();
        var buffer = new ArrayBufferWriter<byte>(64 + (sorted.Count * 80));
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(4);
        writer.Write(FormatVersion);
        writer.Write(AuditText.UnixMicroseconds(time));
        writer.Write(writerName);
        writer.WriteArrayHeader(sorted.Count);
        foreach (var head in sorted)
        {
            writer.WriteArrayHeader(3);
            writer.Write(head.Stream);
            writer.Write(head.Sequence);
            writer.Write(head.Hash);
        }

        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a checkpoint body's heads; throws <see cref="AuditFormatException"/> when malformed.</summary>
    public static IReadOnlyList<CheckpointHead> Decode(ReadOnlyMemory<byte> body) => Read(body).Heads;

    /// <summary>Decodes a whole checkpoint body (the signed time and writer too); throws <see cref="AuditFormatException"/> when malformed.</summary>
    public static CheckpointContents Read(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new MessagePackReader(body);
            if (reader.ReadArrayHeader() != 4 || reader.ReadInt32() != FormatVersion)
            {
                throw new AuditFormatException("unknown checkpoint format");
            }

            var time = AuditText.FromUnixMicroseconds(reader.ReadInt64());
            var writerName = reader.ReadString() ?? throw new AuditFormatException("a checkpoint has no writer");
            var count = reader.ReadArrayHeader();
            var heads = new List<CheckpointHead>(count);
            for (var i = 0; i < count; i++)
            {
                if (reader.ReadArrayHeader() != 3)
                {
                    throw new AuditFormatException("a checkpoint head has the wrong shape");
                }

                var stream = reader.ReadString() ?? throw new AuditFormatException("a checkpoint head has no stream");
                var sequence = reader.ReadInt64();
                var hash = reader.ReadBytes()?.ToArray() ?? throw new AuditFormatException("a checkpoint head has no hash");
                heads.Add(new CheckpointHead(stream, sequence, hash));
            }

            return new CheckpointContents(time, writerName, heads);
        }
        catch (MessagePackSerializationException ex)
        {
            throw new AuditFormatException("the checkpoint is not valid MessagePack: " + ex.Message, ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new AuditFormatException("the checkpoint is cut short", ex);
        }
    }
}
