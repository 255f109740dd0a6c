using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using Mesh.Contracts.Decisions;

namespace Mesh.Grains.Agents;

/// <summary>
/// SHA-256 over a canonical encoding of what an action does: agent, tool, operation, target, credential, workflow,
/// session, labels, attributes, evidence and the arguments' digest. The request id, token and approval id are left
/// out, so a re-sent request has the same digest, and an approval bound to it fits no other action.
/// </summary>
internal static class RequestDigest
{
    public static string Compute(ActionRequest request)
    {
        var arguments = request.ArgumentsDigest ?? (request.Arguments is { } text ? RequestValidator.DigestOf(text) : null);
        var labels = Sorted(request.DataLabels);
        var attributes = Sorted(request.Attributes);
        var evidence = Sorted(request.Evidence);

        var size = 64 + Max(request.AgentId) + Max(request.Tool) + Max(request.Operation) + Max(request.Target)
            + Max(request.CredentialId) + Max(request.Workflow) + Max(request.SessionId) + Max(arguments);
        foreach (var label in labels)
        {
            size += Max(label);
        }

        foreach (var (key, value) in attributes.Concat(evidence))
        {
            size += Max(key) + Max(value);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            var written = 0;
            Write(buffer, ref written, request.AgentId);
            Write(buffer, ref written, request.Tool);
            Write(buffer, ref written, request.Operation);
            Write(buffer, ref written, request.Target);
            Write(buffer, ref written, request.CredentialId);
            Write(buffer, ref written, request.Workflow);
            Write(buffer, ref written, request.SessionId);
            Write(buffer, ref written, arguments);
            WriteCount(buffer, ref written, labels.Length);
            foreach (var label in labels)
            {
                Write(buffer, ref written, label);
            }

            WriteEntries(buffer, ref written, attributes);
            WriteEntries(buffer, ref written, evidence);
            Span<byte> hash = stackalloc byte[32];
            SHA256.HashData(buffer.AsSpan(0, written), hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static int Max(string? value) => 5 + (value is null ? 0 : Encoding.UTF8.GetMaxByteCount(value.Length));

    // A null and an empty string must encode differently, so every field starts with a presence byte and a length.
    private static void Write(byte[] buffer, ref int written, string? value)
    {
        if (value is null)
        {
            buffer[written++] = 0;
            return;
        }

        buffer[written++] = 1;
        var length = Encoding.UTF8.GetBytes(value, buffer.AsSpan(written + 4));
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(written), length);
        written += 4 + length;
    }

    private static void WriteCount(byte[] buffer, ref int written, int count)
    {
        BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(written), count);
        written += 4;
    }

    private static void WriteEntries(byte[] buffer, ref int written, KeyValuePair<string, string>[] entries)
    {
        WriteCount(buffer, ref written, entries.Length);
        foreach (var (key, value) in entries)
        {
            Write(buffer, ref written, key);
            Write(buffer, ref written, value);
        }
    }

    private static string[] Sorted(ImmutableArray<string> values)
    {
        if (values.IsDefaultOrEmpty)
        {
            return [];
        }

        var copy = values.ToArray();
        Array.Sort(copy, StringComparer.Ordinal);
        return copy;
    }

    private static KeyValuePair<string, string>[] Sorted(ImmutableDictionary<string, string>? entries)
    {
        if (entries is null || entries.Count == 0)
        {
            return [];
        }

        var copy = entries.ToArray();
        Array.Sort(copy, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return copy;
    }
}
