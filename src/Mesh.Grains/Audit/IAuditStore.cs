using Mesh.Contracts.Audit;

namespace Mesh.Grains.Audit;

/// <summary>
/// Where audit records and checkpoints are kept: SQLite in embedded mode, PostgreSQL in cluster mode, process memory
/// for tests and experiments. Records are only ever appended. The (stream, sequence) pair is unique, so two writers
/// can never both add record <c>n</c> of a stream: the second gets <see cref="AuditConflictException"/>.
/// </summary>
public interface IAuditStore
{
    /// <summary>A short name for logs and reports (<c>sqlite</c>, <c>postgres</c>, <c>memory</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Appends <paramref name="rows"/> atomically (all or none) and durably: when the task completes they survive a
    /// crash. Throws <see cref="AuditConflictException"/> when a (stream, sequence) already exists, any other exception
    /// when the store is unavailable.
    /// </summary>
    Task AppendAsync(IReadOnlyList<AuditRow> rows, CancellationToken cancellationToken);

    /// <summary>The last record of a stream (highest sequence), or null when the stream is empty.</summary>
    Task<AuditHead?> ReadHeadAsync(string stream, CancellationToken cancellationToken);

    /// <summary>Records matching <paramref name="query"/>, in insertion order (or newest first), at most its limit.</summary>
    IAsyncEnumerable<AuditRow> QueryAsync(AuditQuery query, CancellationToken cancellationToken);

    /// <summary>Every record of one stream, or of all streams, ordered by stream then sequence: the verifier's view.</summary>
    IAsyncEnumerable<AuditRow> ReadChainsAsync(string? stream, CancellationToken cancellationToken);

    /// <summary>
    /// The last record (highest sequence) of every stream that has a record stored after insertion number
    /// <paramref name="afterId"/> (0: every stream), in no particular order. The checkpointer finds with it the heads no
    /// checkpoint has signed yet.
    /// </summary>
    IAsyncEnumerable<AuditRow> ReadHeadsAsync(long afterId, CancellationToken cancellationToken);

    /// <summary>One record, or null when the stream has no record with that sequence number.</summary>
    Task<AuditRow?> ReadRecordAsync(string stream, long sequence, CancellationToken cancellationToken);

    /// <summary>Appends a signed checkpoint durably.</summary>
    Task AppendCheckpointAsync(AuditCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>The checkpoints stored after insertion number <paramref name="afterId"/> (0: every one), oldest first.</summary>
    IAsyncEnumerable<AuditCheckpoint> ReadCheckpointsAsync(long afterId, CancellationToken cancellationToken);
}

/// <summary>
/// A record as stored: the canonical body, its SHA-256, and copies of a few fields as columns for searching. The
/// columns are not trusted: the verifier checks them against the body.
/// </summary>
/// <param name="Id">The store's insertion number (0 before it is stored); a cursor for tail and paging.</param>
/// <param name="Stream">The stream.</param>
/// <param name="Sequence">The sequence number.</param>
/// <param name="Time">When.</param>
/// <param name="Kind">What.</param>
/// <param name="Tenant">The tenant.</param>
/// <param name="AgentId">The agent, if any.</param>
/// <param name="Effect">The decision effect, if any.</param>
/// <param name="Reason">The reason code, if any.</param>
/// <param name="RequestId">The request id, if any.</param>
/// <param name="Hash">SHA-256 of <paramref name="Body"/>.</param>
/// <param name="Body">The canonical encoding (<see cref="AuditCodec"/>).</param>
public sealed record AuditRow(
    long Id, string Stream, long Sequence, DateTimeOffset Time, AuditKind Kind, string Tenant, string? AgentId,
    string? Effect, string? Reason, string? RequestId, byte[] Hash, byte[] Body)
{
    /// <summary>The row for a record: encodes and hashes it.</summary>
    public static AuditRow From(AuditRecord record)
    {
        var body = AuditCodec.Encode(record);
        return From(record, body, AuditCodec.Hash(body));
    }

    /// <summary>The row for a record already encoded.</summary>
    public static AuditRow From(AuditRecord record, byte[] body, byte[] hash) => new(
        0, record.Stream, record.Sequence, record.Time, record.Kind, record.Tenant, record.AgentId, record.Effect, record.Reason, record.RequestId, hash, body);

    /// <summary>The record's id.</summary>
    public string RecordId => AuditText.RecordId(Stream, Sequence);

    /// <summary>The hash in lower-case hex.</summary>
    public string HashHex => Convert.ToHexStringLower(Hash);
}

/// <summary>A stream's last record.</summary>
/// <param name="Sequence">Its sequence number.</param>
/// <param name="Hash">Its hash.</param>
public sealed record AuditHead(long Sequence, byte[] Hash);

/// <summary>What to search for. Every filter is optional; all given ones must hold.</summary>
public sealed record AuditQuery
{
    /// <summary>Most rows a query returns.</summary>
    public const int MaxLimit = 10_000;

    /// <summary>Only this tenant.</summary>
    public string? Tenant { get; init; }

    /// <summary>Only records about this agent (its decisions and outcomes, and approvals and operator actions about it).</summary>
    public string? AgentId { get; init; }

    /// <summary>Only this stream.</summary>
    public string? Stream { get; init; }

    /// <summary>Only this request id.</summary>
    public string? RequestId { get; init; }

    /// <summary>At or after.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Before.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only these kinds (empty: all).</summary>
    public IReadOnlyList<AuditKind> Kinds { get; init; } = [];

    /// <summary>Only this effect (wire name).</summary>
    public string? Effect { get; init; }

    /// <summary>Only this reason code (wire name).</summary>
    public string? Reason { get; init; }

    /// <summary>Only rows stored after this insertion number (a cursor).</summary>
    public long AfterId { get; init; }

    /// <summary>Newest first instead of oldest first.</summary>
    public bool NewestFirst { get; init; }

    /// <summary>At most this many rows (1-<see cref="MaxLimit"/>).</summary>
    public int Limit { get; init; } = 100;
}

/// <summary>
/// A signed statement of stream heads: "at <see cref="Time"/>, stream S ended at sequence n with hash h". The body is
/// the canonical MessagePack encoding of the heads; the signature is ECDSA P-256 over its SHA-256.
/// </summary>
/// <param name="Id">The store's insertion number (0 before it is stored).</param>
/// <param name="Time">When it was signed.</param>
/// <param name="Writer">Which silo signed it.</param>
/// <param name="KeyId">The signing key's id: the first 16 hex digits of the SHA-256 of its public key.</param>
/// <param name="PublicKey">The public key (SubjectPublicKeyInfo, DER).</param>
/// <param name="Body">The encoded heads (<see cref="AuditCheckpoints"/>).</param>
/// <param name="Signature">The signature (IEEE P1363: r then s).</param>
public sealed record AuditCheckpoint(long Id, DateTimeOffset Time, string Writer, string KeyId, byte[] PublicKey, byte[] Body, byte[] Signature);

/// <summary>A (stream, sequence) already exists: another writer got there first, so this append must not happen.</summary>
public sealed class AuditConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AuditConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AuditConflictException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AuditConflictException()
        : base("An audit record with this stream and sequence number already exists.")
    {
    }
}
