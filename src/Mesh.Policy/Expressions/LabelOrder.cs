namespace Mesh.Policy.Expressions;

/// <summary>The order of data labels, lowest first (default: public &lt; internal &lt; confidential &lt; secret).</summary>
public sealed class LabelOrder
{
    /// <summary>The default order.</summary>
    public static readonly LabelOrder Default = new(["public", "internal", "confidential", "secret"]);

    private readonly Dictionary<string, int> _ranks;

    /// <summary>Creates an order from labels listed lowest first.</summary>
    public LabelOrder(IReadOnlyList<string> labels)
    {
        Labels = labels;
        _ranks = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < labels.Count; i++)
        {
            _ranks.TryAdd(labels[i], i);
        }
    }

    /// <summary>The labels, lowest first.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The rank of a label, or -1 for a label outside the order.</summary>
    public int RankOf(string label) => _ranks.TryGetValue(label, out var rank) ? rank : -1;

    /// <summary>The highest rank among labels, or -1 when none is ordered.</summary>
    public int MaxRank(System.Collections.Immutable.ImmutableArray<string> labels)
    {
        var max = -1;
        if (!labels.IsDefault)
        {
            foreach (var label in labels)
            {
                var rank = RankOf(label);
                max = rank > max ? rank : max;
            }
        }

        return max;
    }
}
