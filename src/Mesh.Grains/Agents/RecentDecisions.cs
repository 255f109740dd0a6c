using Mesh.Contracts.Decisions;

namespace Mesh.Grains.Agents;

/// <summary>
/// The agent's recent allow and require-approval decisions by request id, so a retried request is answered the same
/// way without taking another rate-limit token or opening another approval. Bounded: the oldest entries go first.
/// </summary>
internal sealed class RecentDecisions(int capacity = 4096)
{
    private readonly Dictionary<string, (string Digest, Decision Decision)> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    public bool TryGet(string requestId, out string digest, out Decision decision)
    {
        if (_entries.TryGetValue(requestId, out var entry))
        {
            (digest, decision) = entry;
            return true;
        }

        digest = string.Empty;
        decision = null!;
        return false;
    }

    public void Remember(string requestId, string digest, Decision decision)
    {
        if (!_entries.ContainsKey(requestId))
        {
            _order.Enqueue(requestId);
            while (_order.Count > capacity)
            {
                _entries.Remove(_order.Dequeue());
            }
        }

        _entries[requestId] = (digest, decision);
    }
}
