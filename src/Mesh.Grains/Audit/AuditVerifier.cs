using System.Globalization;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Grains.Audit;

/// <summary>The result of verifying the audit store (or one stream).</summary>
public sealed record AuditVerification
{
    /// <summary>True when no problem was found.</summary>
    public bool Ok => Problems.Count == 0;

    /// <summary>Records checked.</summary>
    public long Records { get; init; }

    /// <summary>Streams checked.</summary>
    public int Streams { get; init; }

    /// <summary>Checkpoints whose signature is valid and whose key is trusted.</summary>
    public int Checkpoints { get; init; }

    /// <summary>
    /// Records that chain correctly but that no checkpoint covers yet (written since their stream's last checkpoint).
    /// They are as trustworthy as the store until the next checkpoint signs them.
    /// </summary>
    public long Unconfirmed { get; init; }

    /// <summary>Every problem found: the first broken record of each broken stream, and every bad checkpoint.</summary>
    public IReadOnlyList<AuditProblem> Problems { get; init; } = [];
}

/// <summary>One problem: what kind, where, and a sentence a person can act on.</summary>
/// <param name="Kind">
/// <c>edited</c>, <c>deleted</c>, <c>inserted</c>, <c>reordered</c>, <c>truncated</c>, <c>forged</c>, <c>unsigned</c> (records
/// older than the coverage window that no trusted checkpoint signs, or a store with no trusted checkpoint at all),
/// <c>bad_checkpoint</c>, <c>untrusted_checkpoint</c> or <c>replayed_checkpoint</c> (a checkpoint stored again, or out of
/// its writer's order).
/// </param>
/// <param name="Stream">The stream (null for a checkpoint problem).</param>
/// <param name="Sequence">The first broken record's sequence number (null for a checkpoint problem).</param>
/// <param name="RecordId">The first broken record's id.</param>
/// <param name="Message">What is wrong.</param>
public sealed record AuditProblem(string Kind, string? Stream, long? Sequence, string? RecordId, string Message);

/// <summary>
/// Checks the audit store: every record's hash against its body, its columns against its body, every stream's
/// sequence (no gaps, nothing moved), every link to the previous record, every stream head a trusted checkpoint
/// signed, and that every record older than the coverage window (<see cref="AuditSettings.CoverageIntervals"/>
/// checkpoint intervals) is signed by one. Names the first broken record of each stream and what happened to it.
/// </summary>
public sealed class AuditVerifier(IAuditStore store, AuditSigningKey keys, IOptions<MeshGrainOptions> options)
{
    /// <summary>Most problems listed (a wholesale rewrite would otherwise list every stream).</summary>
    public const int MaxProblems = 1000;

    /// <summary>Verifies every stream, or only <paramref name="stream"/>, with the configured coverage window.</summary>
    public Task<AuditVerification> VerifyAsync(string? stream, CancellationToken cancellationToken) =>
        VerifyAsync(stream, null, cancellationToken);

    /// <summary>
    /// Verifies every stream, or only <paramref name="stream"/>. A record older than
    /// <paramref name="coverageIntervals"/> checkpoint intervals (null: <see cref="AuditSettings.CoverageIntervals"/>)
    /// that no trusted checkpoint signs is a problem; 0 requires every record to be signed.
    /// </summary>
    public async Task<AuditVerification> VerifyAsync(string? stream, int? coverageIntervals, CancellationToken cancellationToken)
    {
        var settings = options.Value.Audit;
        var now = options.Value.TimeProvider.GetUtcNow();
        var intervals = coverageIntervals ?? settings.CoverageIntervals;
        // Records written before this are past their signing: each silo signs what it wrote within one interval.
        var signedBy = AuditText.Before(now, settings.CheckpointInterval * Math.Max(0, intervals));
        var problems = new List<AuditProblem>();
        var (pins, checkpoints) = await LoadPinsAsync(stream, problems, cancellationToken).ConfigureAwait(false);
        var records = 0L;
        var unconfirmed = 0L;
        var streams = 0;
        StreamCheck? current = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var oldest = DateTimeOffset.MaxValue;
        await foreach (var row in store.ReadChainsAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            records++;
            if (current is null || current.Stream != row.Stream)
            {
                if (current is not null)
                {
                    unconfirmed += current.Finish(problems);
                }

                streams++;
                seen.Add(row.Stream);
                current = new StreamCheck(row.Stream, pins.GetValueOrDefault(row.Stream), signedBy);
            }

            current.Check(row, problems);
            if (row.Time < oldest)
            {
                oldest = row.Time;
            }
        }

        if (current is not null)
        {
            unconfirmed += current.Finish(problems);
        }

        // A stream a checkpoint signed but the store no longer has at all.
        foreach (var (pinnedStream, streamPins) in pins)
        {
            if (!seen.Contains(pinnedStream))
            {
                var last = streamPins.Values[^1];
                problems.Add(new AuditProblem("truncated", pinnedStream, 1, AuditText.RecordId(pinnedStream, 1),
                    Invariant($"Every record of stream '{pinnedStream}' is missing, though checkpoint {last.Checkpoint} signed its head at #{streamPins.Keys[^1]}.")));
            }
        }

        // Nothing vouches for a store without a single trusted checkpoint (every one deleted, or none ever signed). A new
        // store gets one interval to sign its first (the strict window, 0, allows none).
        if (checkpoints == 0 && records > 0 && oldest < AuditText.Before(now, settings.CheckpointInterval * Math.Min(1, Math.Max(0, intervals))))
        {
            problems.Insert(0, new AuditProblem("unsigned", stream, null, null,
                Invariant($"The store holds {records} record(s) but no trusted checkpoint: every checkpoint was deleted (or none was ever signed), so nothing vouches for any record. Silos sign one every {settings.CheckpointInterval}.")));
        }

        return new AuditVerification
        {
            Records = records,
            Streams = streams,
            Checkpoints = checkpoints,
            Unconfirmed = unconfirmed,
            Problems = problems.Count > MaxProblems ? problems[..MaxProblems] : problems,
        };
    }

    private async Task<(Dictionary<string, SortedList<long, Pin>> Pins, int Valid)> LoadPinsAsync(string? stream, List<AuditProblem> problems, CancellationToken cancellationToken)
    {
        var pins = new Dictionary<string, SortedList<long, Pin>>(StringComparer.Ordinal);
        var valid = 0;
        var signatures = new Dictionary<string, long>(StringComparer.Ordinal);
        var latestByWriter = new Dictionary<string, (DateTimeOffset Time, long Id)>(StringComparer.Ordinal);
        await foreach (var checkpoint in store.ReadCheckpointsAsync(0, cancellationToken).ConfigureAwait(false))
        {
            if (AuditSigningKey.IdOf(checkpoint.PublicKey) != checkpoint.KeyId || !AuditSigningKey.IsValid(checkpoint.PublicKey, checkpoint.Body, checkpoint.Signature))
            {
                problems.Add(new AuditProblem("bad_checkpoint", null, null, null, Invariant($"Checkpoint {checkpoint.Id} ({checkpoint.Time:O}) has an invalid signature: it was altered or forged.")));
                continue;
            }

            if (!keys.Trusts(checkpoint.KeyId))
            {
                problems.Add(new AuditProblem("untrusted_checkpoint", null, null, null,
                    Invariant($"Checkpoint {checkpoint.Id} ({checkpoint.Time:O}) is signed by key {checkpoint.KeyId}, which this verifier does not trust. If it is another silo's key, add it to Mesh:Audit:TrustedPublicKeys.")));
                continue;
            }

            CheckpointContents contents;
            try
            {
                contents = AuditCheckpoints.Read(checkpoint.Body);
            }
            catch (AuditFormatException ex)
            {
                problems.Add(new AuditProblem("bad_checkpoint", null, null, null, Invariant($"Checkpoint {checkpoint.Id} is signed but cannot be read: {ex.Message}.")));
                continue;
            }

            // Signatures are randomised, and each silo process signs its checkpoints in time order: a copy, or one stored
            // after a later one of the same writer, is an old checkpoint stored again (to stand in for deleted ones).
            if (!signatures.TryAdd(Convert.ToHexString(checkpoint.Signature), checkpoint.Id))
            {
                problems.Add(new AuditProblem("replayed_checkpoint", null, null, null,
                    Invariant($"Checkpoint {checkpoint.Id} is a copy of checkpoint {signatures[Convert.ToHexString(checkpoint.Signature)]}: an old checkpoint was stored again.")));
                continue;
            }

            if (latestByWriter.TryGetValue(contents.Writer, out var latest) && contents.Time <= latest.Time)
            {
                problems.Add(new AuditProblem("replayed_checkpoint", null, null, null,
                    Invariant($"Checkpoint {checkpoint.Id} of {contents.Writer} was signed at {contents.Time:O}, before checkpoint {latest.Id} of the same silo that is stored ahead of it ({latest.Time:O}): an old checkpoint was stored again or the checkpoints were reordered.")));
                continue;
            }

            latestByWriter[contents.Writer] = (contents.Time, checkpoint.Id);
            valid++;
            foreach (var head in contents.Heads)
            {
                if (stream is not null && head.Stream != stream)
                {
                    continue;
                }

                if (!pins.TryGetValue(head.Stream, out var list))
                {
                    pins[head.Stream] = list = [];
                }

                // Two trusted checkpoints never sign different hashes for one record; if they do, keep the first and let
                // the chain check report the record.
                list.TryAdd(head.Sequence, new Pin(head.Hash, checkpoint.Id));
            }
        }

        return (pins, valid);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private readonly record struct Pin(byte[] Hash, long Checkpoint);

    /// <summary>The walk along one stream. Stops at the first problem: everything after it is suspect anyway.</summary>
    private sealed class StreamCheck(string stream, SortedList<long, Pin>? pins, DateTimeOffset signedBy)
    {
        private (long Sequence, DateTimeOffset Time)? _firstUnsigned;
        private long _expected = 1;
        private string _previousHash = AuditText.GenesisHash;
        private long _confirmed;
        private int _nextPin;
        private bool _broken;
        private AuditRow? _displaced;

        public string Stream => stream;

        public void Check(AuditRow row, List<AuditProblem> problems)
        {
            if (_broken)
            {
                return;
            }

            if (_displaced is { } displaced)
            {
                // The previous stored position held a later record; this one tells a swap from a deletion.
                var swapped = TryDecode(row) is { } next && next.Sequence == displaced.Sequence;
                Fail(problems, swapped ? "reordered" : "deleted", displaced.Sequence, swapped
                    ? $"Records #{displaced.Sequence} and #{row.Sequence} of stream '{stream}' were swapped: each is stored in the other's place."
                    : $"Record #{displaced.Sequence} of stream '{stream}' was deleted and the records after it renumbered.");
                return;
            }

            var record = TryDecode(row);
            if (record is null || !AuditCodec.Hash(row.Body).AsSpan().SequenceEqual(row.Hash))
            {
                Fail(problems, "edited", row.Sequence, record is null
                    ? $"Record #{row.Sequence} of stream '{stream}' was edited: its stored contents are not a well-formed record."
                    : $"Record #{row.Sequence} of stream '{stream}' was edited: its contents no longer match its hash.");
                return;
            }

            if (record.Stream != stream)
            {
                Fail(problems, "inserted", row.Sequence, $"Record #{row.Sequence} of stream '{stream}' was inserted: it is record #{record.Sequence} of stream '{record.Stream}'.");
                return;
            }

            if (record.Sequence != row.Sequence)
            {
                if (record.Sequence > row.Sequence)
                {
                    _displaced = row;
                    return;
                }

                Fail(problems, "inserted", record.Sequence,
                    $"A record was inserted into stream '{stream}' at #{record.Sequence}: the original #{record.Sequence} now follows it, renumbered #{row.Sequence}.");
                return;
            }

            if (ColumnMismatch(row, record) is { } column)
            {
                Fail(problems, "edited", row.Sequence, $"Record #{row.Sequence} of stream '{stream}' was edited: its {column} column no longer matches its hashed contents.");
                return;
            }

            if (row.Sequence != _expected)
            {
                var missing = row.Sequence - 1 == _expected ? $"#{_expected} is" : $"#{_expected} to #{row.Sequence - 1} are";
                Fail(problems, "deleted", _expected, $"Record {missing} missing from stream '{stream}' (deleted).");
                return;
            }

            if (record.PreviousHash != _previousHash)
            {
                var previous = row.Sequence - 1;
                Fail(problems, previous >= 1 ? "edited" : "inserted", Math.Max(previous, 1), previous >= 1
                    ? $"Record #{previous} of stream '{stream}' was replaced: record #{row.Sequence} was chained to a different #{previous}."
                    : $"Record #1 of stream '{stream}' does not start a chain.");
                return;
            }

            if (pins is not null)
            {
                while (_nextPin < pins.Count && pins.Keys[_nextPin] < row.Sequence)
                {
                    _nextPin++;
                }

                if (_nextPin < pins.Count && pins.Keys[_nextPin] == row.Sequence)
                {
                    var pin = pins.Values[_nextPin];
                    if (!pin.Hash.AsSpan().SequenceEqual(row.Hash))
                    {
                        Fail(problems, "forged", _confirmed + 1, _confirmed + 1 == row.Sequence
                            ? $"Record #{row.Sequence} of stream '{stream}' was forged: it chains correctly, but checkpoint {pin.Checkpoint} signed a different record #{row.Sequence}."
                            : $"Records #{_confirmed + 1} to #{row.Sequence} of stream '{stream}' were rewritten (hashes recomputed): checkpoint {pin.Checkpoint} signed a different #{row.Sequence}. The first record not confirmed by a checkpoint is #{_confirmed + 1}.");
                        return;
                    }

                    _confirmed = row.Sequence;
                    _firstUnsigned = null;
                    _nextPin++;
                }
            }

            if (_confirmed != row.Sequence)
            {
                _firstUnsigned ??= (row.Sequence, row.Time);
            }

            _expected = row.Sequence + 1;
            _previousHash = row.HashHex;
        }

        /// <summary>Reports a cut-off tail; returns how many records no checkpoint covers.</summary>
        public long Finish(List<AuditProblem> problems)
        {
            if (_displaced is { } displaced && !_broken)
            {
                Fail(problems, "deleted", displaced.Sequence, $"Record #{displaced.Sequence} of stream '{stream}' was deleted and the records after it renumbered.");
            }

            if (_broken)
            {
                return 0;
            }

            var last = _expected - 1;
            if (pins is { Count: > 0 } && pins.Keys[^1] > last)
            {
                Fail(problems, "truncated", last + 1,
                    $"Stream '{stream}' ends at #{last}, but checkpoint {pins.Values[^1].Checkpoint} signed its head at #{pins.Keys[^1]}: records #{last + 1} to #{pins.Keys[^1]} were deleted.");
                return 0;
            }

            if (_firstUnsigned is { } unsigned && unsigned.Time < signedBy)
            {
                Fail(problems, "unsigned", unsigned.Sequence, _confirmed == 0
                    ? $"No trusted checkpoint signs any record of stream '{stream}' (#{unsigned.Sequence} to #{last}), though #{unsigned.Sequence} was written at {unsigned.Time:O}, longer ago than the coverage window: the checkpoints that signed them were deleted, or the records were added behind the silos' backs."
                    : $"Records #{unsigned.Sequence} to #{last} of stream '{stream}' are signed by no trusted checkpoint, though #{unsigned.Sequence} was written at {unsigned.Time:O}, longer ago than the coverage window: the newer checkpoints were deleted (an older one left in their place), or the records were added or re-chained behind the silos' backs after the last signed head #{_confirmed}.");
            }

            return last - _confirmed;
        }

        private static AuditRecord? TryDecode(AuditRow row)
        {
            try
            {
                return AuditCodec.Decode(row.Body);
            }
            catch (AuditFormatException)
            {
                return null;
            }
        }

        private static string? ColumnMismatch(AuditRow row, AuditRecord record) =>
            row.Time != record.Time ? "time"
            : row.Kind != record.Kind ? "kind"
            : row.Tenant != record.Tenant ? "tenant"
            : row.AgentId != record.AgentId ? "agent"
            : row.Effect != record.Effect ? "effect"
            : row.Reason != record.Reason ? "reason"
            : row.RequestId != record.RequestId ? "request id"
            : null;

        private void Fail(List<AuditProblem> problems, string kind, long sequence, string message)
        {
            _broken = true;
            problems.Add(new AuditProblem(kind, stream, sequence, AuditText.RecordId(stream, sequence), message));
        }
    }
}
