using System.Globalization;
using Mesh.Contracts.Audit;

namespace Mesh.Grains.Audit;

/// <summary>
/// The head of one stream, held by the grain that owns the stream (an agent, or a tenant's stream grain). It numbers
/// each record and links it to the previous one synchronously, so interleaved calls still produce one linear chain,
/// then hands the row to the silo's <see cref="AuditWriter"/>.
/// <para>
/// The head is read from the store before the first record (after a crash or a move to another silo the chain goes
/// on where the durable records end: it never forks or repeats a number). When a write fails, the records queued
/// after it fail too, and the head is read again before the next record.
/// </para>
/// </summary>
public sealed class AuditChain(string stream, AuditWriter writer)
{
    private static long _chains;
    private long _chain;
    private long _next;
    private string _previousHash = AuditText.GenesisHash;
    private Task? _loading;

    /// <summary>The stream.</summary>
    public string Stream => stream;

    /// <summary>Whether records are written at all (audit not switched off).</summary>
    public bool Enabled => writer.Enabled;

    /// <summary>
    /// Appends the record <paramref name="build"/> makes from a sequence number and previous hash; returns its id and
    /// hash once durable. Throws <see cref="AuditUnavailableException"/> when it cannot be written.
    /// </summary>
    public async Task<AuditReceipt> AppendAsync(Func<long, string, AuditRecord> build)
    {
        if (_next == 0)
        {
            var loading = _loading ??= LoadHeadAsync();
            try
            {
                await loading.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            }
            catch
            {
                // The next record tries again (a read that failed at once must not stay cached as the answer).
                if (ReferenceEquals(_loading, loading))
                {
                    _loading = null;
                }

                throw;
            }
        }

        // From here to the hand-off nothing awaits: the number and the link are taken atomically for this grain.
        var chain = _chain;
        var record = build(_next, _previousHash);
        var row = AuditRow.From(record);
        _next++;
        _previousHash = row.HashHex;
        try
        {
            await writer.AppendAsync(row, chain).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
        }
        catch
        {
            // Only the first failure of a chain resets it; later ones belong to the same chain and changed nothing new.
            if (chain == _chain && _next != 0)
            {
                _next = 0;
                _loading = null;
            }

            throw;
        }

        return new AuditReceipt { RecordId = row.RecordId, Hash = row.HashHex };
    }

    private async Task LoadHeadAsync()
    {
        try
        {
            var head = await writer.Store.ReadHeadAsync(stream, CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext);
            _chain = Interlocked.Increment(ref _chains);
            _previousHash = head is null ? AuditText.GenesisHash : Convert.ToHexStringLower(head.Hash);
            _next = (head?.Sequence ?? 0) + 1;
            if (head is not null)
            {
                writer.HeadRecovered(stream, head);
            }
        }
        catch (Exception ex)
        {
            throw new AuditUnavailableException(string.Create(CultureInfo.InvariantCulture, $"The head of audit stream '{stream}' could not be read from the store: {ex.Message}"), ex);
        }
    }
}
