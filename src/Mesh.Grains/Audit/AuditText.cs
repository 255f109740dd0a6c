using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Mesh.Grains.Audit;

/// <summary>Small shared pieces of the audit trail's vocabulary.</summary>
public static class AuditText
{
    /// <summary>The stream of fleet-wide actions (the emergency stop, API tokens); no tenant id can start with '_'.</summary>
    public const string SystemStream = "_mesh";

    /// <summary>The previous hash of a stream's first record.</summary>
    public static readonly string GenesisHash = new('0', 64);

    /// <summary>An empty map with ordinal ordering, the only ordering records use.</summary>
    public static readonly ImmutableSortedDictionary<string, string> EmptyMap = ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary><c>stream#sequence</c>.</summary>
    public static string RecordId(string stream, long sequence) => stream + "#" + sequence.ToString(CultureInfo.InvariantCulture);

    /// <summary>Splits a record id; false when it is not one.</summary>
    public static bool TryParseRecordId(string? id, out string stream, out long sequence)
    {
        stream = string.Empty;
        sequence = 0;
        var hash = id?.LastIndexOf('#') ?? -1;
        if (hash <= 0 || !long.TryParse(id.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out sequence) || sequence < 1)
        {
            return false;
        }

        stream = id![..hash];
        return true;
    }

    /// <summary>How a secret value is kept: <c>sha256:</c> and the hex digest of its UTF-8 bytes.</summary>
    public static string HashSecret(string value) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    /// <summary>Time cut to whole microseconds (what PostgreSQL and the canonical encoding keep).</summary>
    public static DateTimeOffset ToMicroseconds(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % 10), TimeSpan.Zero);
    }

    /// <summary>Microseconds since the Unix epoch.</summary>
    public static long UnixMicroseconds(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.Ticks) / 10;

    /// <summary>The instant of <paramref name="micros"/> microseconds since the Unix epoch.</summary>
    public static DateTimeOffset FromUnixMicroseconds(long micros) => new(DateTimeOffset.UnixEpoch.Ticks + (micros * 10), TimeSpan.Zero);

    /// <summary><paramref name="time"/> minus <paramref name="span"/>, or the earliest time when that is before it (a huge window).</summary>
    public static DateTimeOffset Before(DateTimeOffset time, TimeSpan span) =>
        span >= time - DateTimeOffset.MinValue ? DateTimeOffset.MinValue : time - span;
}
