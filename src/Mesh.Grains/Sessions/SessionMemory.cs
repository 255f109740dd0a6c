using System.Collections.Immutable;

namespace Mesh.Grains.Sessions;

/// <summary>
/// What an agent's sessions have touched: the data labels of every allowed action and how many actions ran. Policies
/// read it as <c>session.*</c> (e.g. deny external requests once a session has seen <c>confidential</c> data).
/// Bounded: the least recently used sessions are forgotten first.
/// </summary>
internal sealed class SessionMemory(int capacity = 1024)
{
    private readonly Dictionary<string, LinkedListNode<(string Id, Session State)>> _sessions = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Id, Session State)> _recency = new();

    public Session Get(string? sessionId)
    {
        if (sessionId is null || !_sessions.TryGetValue(sessionId, out var node))
        {
            return Session.Empty;
        }

        _recency.Remove(node);
        _recency.AddFirst(node);
        return node.Value.State;
    }

    /// <summary>Records an allowed action: its labels join the session's, and the action count grows.</summary>
    public void RecordAllowed(string? sessionId, ImmutableArray<string> labels)
    {
        if (sessionId is null)
        {
            return;
        }

        var current = Get(sessionId);
        var merged = current.Labels;
        if (!labels.IsDefaultOrEmpty)
        {
            foreach (var label in labels)
            {
                if (!merged.Contains(label))
                {
                    merged = merged.Add(label);
                }
            }
        }

        var next = new Session(merged, current.Actions + 1);
        if (_sessions.TryGetValue(sessionId, out var node))
        {
            node.Value = (sessionId, next);
            return;
        }

        _sessions[sessionId] = _recency.AddFirst((sessionId, next));
        if (_sessions.Count > capacity)
        {
            var oldest = _recency.Last!;
            _recency.RemoveLast();
            _sessions.Remove(oldest.Value.Id);
        }
    }

    internal readonly record struct Session(ImmutableArray<string> Labels, int Actions)
    {
        public static Session Empty { get; } = new([], 0);
    }
}
