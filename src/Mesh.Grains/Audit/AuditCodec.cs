using System.Buffers;
using System.Collections.Immutable;
using System.Security.Cryptography;
using MessagePack;
using Mesh.Contracts.Audit;

namespace Mesh.Grains.Audit;

/// <summary>
/// The canonical encoding of a record: one MessagePack array with every field in a fixed order, maps sorted by key
/// (ordinal), absent values as nil, the previous hash as 32 raw bytes. The same record always encodes to the same
/// bytes, so its SHA-256 is its identity. The store keeps these bytes (the body) next to its hash; the columns it
/// also keeps for searching are checked against the body when the chain is verified.
/// </summary>
public static class AuditCodec
{
    /// <summary>The layout version, the body's first element. A new layout gets a new number; old bodies stay readable.</summary>
    public const int FormatVersion = 1;

    private const int Fields = 21;
    private const int RequestFields = 10;

    /// <summary>Encodes <paramref name="record"/> canonically.</summary>
    public static byte[] Encode(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var buffer = new ArrayBufferWriter<byte>(512);
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(Fields);
        writer.Write(FormatVersion);
        writer.Write(record.Stream);
        writer.Write(record.Sequence);
        writer.Write(AuditText.UnixMicroseconds(record.Time));
        writer.Write((int)record.Kind);
        writer.Write(record.Tenant);
        writer.Write(record.Actor);
        writer.Write(record.AgentId);
        writer.Write(record.RequestId);
        writer.Write(record.DecisionId);
        writer.Write(record.ApprovalId);
        writer.Write(record.Effect);
        writer.Write(record.Reason);
        writer.Write(record.RuleId);
        WriteNullable(ref writer, record.PolicyVersion);
        writer.Write(record.CredentialId);
        WriteNullable(ref writer, record.CredentialVersion);
        writer.Write(record.Message);
        if (record.Request is { } request)
        {
            writer.WriteArrayHeader(RequestFields);
            writer.Write(request.Tool);
            writer.Write(request.Operation);
            writer.Write(request.Target);
            writer.Write(request.Workflow);
            writer.Write(request.SessionId);
            var labels = request.DataLabels.IsDefault ? [] : request.DataLabels;
            writer.WriteArrayHeader(labels.Length);
            foreach (var label in labels)
            {
                writer.Write(label);
            }

            WriteMap(ref writer, request.Attributes);
            WriteMap(ref writer, request.Evidence);
            writer.Write(request.ArgumentsDigest);
            writer.Write(request.Arguments);
        }
        else
        {
            writer.WriteNil();
        }

        WriteMap(ref writer, record.Detail);
        writer.Write(Convert.FromHexString(record.PreviousHash));
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The SHA-256 of a body.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> body) => SHA256.HashData(body);

    /// <summary>Decodes a body; throws <see cref="AuditFormatException"/> when it is not a well-formed record.</summary>
    public static AuditRecord Decode(ReadOnlyMemory<byte> body)
    {
        try
        {
            var reader = new MessagePackReader(body);
            var count = reader.ReadArrayHeader();
            if (count != Fields)
            {
                throw new AuditFormatException($"the body has {count} fields, not {Fields}");
            }

            var version = reader.ReadInt32();
            if (version != FormatVersion)
            {
                throw new AuditFormatException($"unknown body format {version}");
            }

            var record = new AuditRecord
            {
                Stream = ReadRequired(ref reader, "stream"),
                Sequence = reader.ReadInt64(),
                Time = AuditText.FromUnixMicroseconds(reader.ReadInt64()),
                Kind = (AuditKind)reader.ReadInt32(),
                Tenant = ReadRequired(ref reader, "tenant"),
                Actor = ReadRequired(ref reader, "actor"),
                AgentId = reader.ReadString(),
                RequestId = reader.ReadString(),
                DecisionId = reader.ReadString(),
                ApprovalId = reader.ReadString(),
                Effect = reader.ReadString(),
                Reason = reader.ReadString(),
                RuleId = reader.ReadString(),
                PolicyVersion = ReadNullableInt64(ref reader),
                CredentialId = reader.ReadString(),
                CredentialVersion = ReadNullableInt64(ref reader),
                Message = reader.ReadString(),
                Request = ReadRequest(ref reader),
                Detail = ReadMap(ref reader),
                PreviousHash = ReadHash(ref reader),
            };
            if (!reader.End)
            {
                throw new AuditFormatException("the body has trailing bytes");
            }

            return record;
        }
        catch (MessagePackSerializationException ex)
        {
            throw new AuditFormatException("the body is not valid MessagePack: " + ex.Message, ex);
        }
        catch (EndOfStreamException ex)
        {
            throw new AuditFormatException("the body is cut short", ex);
        }
    }

    private static void WriteNullable(ref MessagePackWriter writer, long? value)
    {
        if (value is { } v)
        {
            writer.Write(v);
        }
        else
        {
            writer.WriteNil();
        }
    }

    private static void WriteMap(ref MessagePackWriter writer, ImmutableSortedDictionary<string, string>? map)
    {
        if (map is null || map.Count == 0)
        {
            writer.WriteMapHeader(0);
            return;
        }

        // Sorted ordinally whatever comparer the map was built with: the bytes must not depend on it.
        var pairs = map.Count == 1 || ReferenceEquals(map.KeyComparer, StringComparer.Ordinal)
            ? (IEnumerable<KeyValuePair<string, string>>)map
            : map.OrderBy(p => p.Key, StringComparer.Ordinal);
        writer.WriteMapHeader(map.Count);
        foreach (var (key, value) in pairs)
        {
            writer.Write(key);
            writer.Write(value);
        }
    }

    private static string ReadRequired(ref MessagePackReader reader, string field) =>
        reader.ReadString() ?? throw new AuditFormatException($"the {field} is missing");

    private static long? ReadNullableInt64(ref MessagePackReader reader) => reader.TryReadNil() ? null : reader.ReadInt64();

    private static AuditedRequest? ReadRequest(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        if (reader.ReadArrayHeader() != RequestFields)
        {
            throw new AuditFormatException("the request has the wrong number of fields");
        }

        var tool = ReadRequired(ref reader, "tool");
        var operation = ReadRequired(ref reader, "operation");
        var target = reader.ReadString();
        var workflow = reader.ReadString();
        var session = reader.ReadString();
        var labelCount = reader.ReadArrayHeader();
        var labels = ImmutableArray.CreateBuilder<string>(labelCount);
        for (var i = 0; i < labelCount; i++)
        {
            labels.Add(ReadRequired(ref reader, "label"));
        }

        return new AuditedRequest
        {
            Tool = tool,
            Operation = operation,
            Target = target,
            Workflow = workflow,
            SessionId = session,
            DataLabels = labels.MoveToImmutable(),
            Attributes = ReadMap(ref reader),
            Evidence = ReadMap(ref reader),
            ArgumentsDigest = reader.ReadString(),
            Arguments = reader.ReadString(),
        };
    }

    private static ImmutableSortedDictionary<string, string> ReadMap(ref MessagePackReader reader)
    {
        var count = reader.ReadMapHeader();
        if (count == 0)
        {
            return AuditText.EmptyMap;
        }

        var builder = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        string? previous = null;
        for (var i = 0; i < count; i++)
        {
            var key = ReadRequired(ref reader, "map key");
            if (previous is not null && string.CompareOrdinal(previous, key) >= 0)
            {
                throw new AuditFormatException("a map's keys are not in canonical order");
            }

            builder[key] = ReadRequired(ref reader, "map value");
            previous = key;
        }

        return builder.ToImmutable();
    }

    private static string ReadHash(ref MessagePackReader reader)
    {
        var bytes = reader.ReadBytes() ?? throw new AuditFormatException("the previous hash is missing");
        if (bytes.Length != 32)
        {
            throw new AuditFormatException("the previous hash is not 32 bytes");
        }

        return Convert.ToHexStringLower(bytes.ToArray());
    }
}

/// <summary>A stored body is not a well-formed record.</summary>
public sealed class AuditFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AuditFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AuditFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AuditFormatException()
        : base("The body is not a well-formed audit record.")
    {
    }
}
