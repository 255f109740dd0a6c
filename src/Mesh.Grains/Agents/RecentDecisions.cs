using Mesh.Contracts.Decisions;

namespace Mesh.Grains.Agents;

/// <summary>
/// The agent's recent allow and require-approval decisions by request id, so a retried request is answered the same
/// way without taking another rate-limit token or opening another approval. Bounded: the oldest entries go first.
/// </summary>
internal sealed class RecentDecisions(int capacity = 256)
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool TryGet(string requestId, out Entry entry) => _entries.TryGetValue(requestId, out entry!);

    public void Remember(string requestId, ActionRequest request, string? digest, Decision decision)
    {
        if (!_entries.ContainsKey(requestId))
        {
            _order.Enqueue(requestId);
            while (_order.Count > capacity)
            {
                _entries.Remove(_order.Dequeue());
            }
        }

        _entries[requestId] = new Entry(request, digest, decision);
    }

    /// <summary>A remembered decision and the request it answered; the request's digest is computed only when compared.</summary>
    internal sealed class Entry(ActionRequest request, string? digest, Decision decision)
    {
        private string? _digest = digest;

        public Decision Decision { get; } = decision;

        /// <summary>The id of the decision's audit record, once recorded: a reported outcome links to it.</summary>
        public string? AuditId { get; set; }

        public string Digest => _digest ??= RequestDigest.Compute(request);
    }
}
