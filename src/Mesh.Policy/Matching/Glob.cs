namespace Mesh.Policy.Matching;

/// <summary>
/// A compiled glob: <c>*</c> matches any run of characters (including none), <c>?</c> exactly one.
/// Matching is ordinal and allocates nothing.
/// </summary>
public sealed class Glob
{
    private readonly GlobKind _kind;
    private readonly string _literal;
    private readonly string[] _segments;

    private Glob(string pattern, GlobKind kind, string literal)
    {
        Pattern = pattern;
        _kind = kind;
        _literal = literal;
        _segments = kind == GlobKind.General ? pattern.Split('*') : [];
    }

    private enum GlobKind
    {
        Any,
        Exact,
        Prefix,
        Suffix,
        General,
    }

    /// <summary>The pattern as written.</summary>
    public string Pattern { get; }

    /// <summary>True when the pattern has no wildcard.</summary>
    public bool IsLiteral => _kind == GlobKind.Exact;

    /// <summary>Compiles a pattern, choosing the cheapest matcher that is exact for it.</summary>
    public static Glob Compile(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern == "*")
        {
            return new Glob(pattern, GlobKind.Any, string.Empty);
        }

        var stars = 0;
        var questions = 0;
        foreach (var c in pattern)
        {
            stars += c == '*' ? 1 : 0;
            questions += c == '?' ? 1 : 0;
        }

        if (stars == 0 && questions == 0)
        {
            return new Glob(pattern, GlobKind.Exact, pattern);
        }

        if (questions == 0 && stars == 1)
        {
            if (pattern[^1] == '*')
            {
                return new Glob(pattern, GlobKind.Prefix, pattern[..^1]);
            }

            if (pattern[0] == '*')
            {
                return new Glob(pattern, GlobKind.Suffix, pattern[1..]);
            }
        }

        return new Glob(pattern, GlobKind.General, pattern);
    }

    /// <summary>Does the input match?</summary>
    public bool IsMatch(ReadOnlySpan<char> input) => _kind switch
    {
        GlobKind.Any => true,
        GlobKind.Exact => input.SequenceEqual(_literal),
        GlobKind.Prefix => input.StartsWith(_literal, StringComparison.Ordinal),
        GlobKind.Suffix => input.EndsWith(_literal, StringComparison.Ordinal),
        _ => MatchSegments(_segments, input),
    };

    /// <inheritdoc />
    public override string ToString() => Pattern;

    // The pattern is its literal segments between stars. The first must start the input and the last end it; each one
    // between is placed at its leftmost position, which is optimal because segments have fixed lengths. So the cost is
    // one (vectorised) search per segment: linear in the input for each segment, never a backtracking blow-up.
    private static bool MatchSegments(string[] segments, ReadOnlySpan<char> input)
    {
        var first = segments[0];
        var last = segments[^1];
        if (segments.Length == 1)
        {
            return input.Length == first.Length && SegmentAt(first, input, 0);
        }

        if (input.Length < first.Length + last.Length || !SegmentAt(first, input, 0) || !SegmentAt(last, input, input.Length - last.Length))
        {
            return false;
        }

        var position = first.Length;
        var limit = input.Length - last.Length;
        for (var i = 1; i < segments.Length - 1; i++)
        {
            var segment = segments[i];
            if (segment.Length == 0)
            {
                continue;
            }

            var found = Find(segment, input[position..limit]);
            if (found < 0)
            {
                return false;
            }

            position += found + segment.Length;
        }

        return true;
    }

    private static int Find(string segment, ReadOnlySpan<char> input)
    {
        if (!segment.Contains('?', StringComparison.Ordinal))
        {
            return input.IndexOf(segment, StringComparison.Ordinal);
        }

        for (var start = 0; start + segment.Length <= input.Length; start++)
        {
            if (SegmentAt(segment, input, start))
            {
                return start;
            }
        }

        return -1;
    }

    private static bool SegmentAt(string segment, ReadOnlySpan<char> input, int start)
    {
        for (var i = 0; i < segment.Length; i++)
        {
            if (segment[i] != '?' && segment[i] != input[start + i])
            {
                return false;
            }
        }

        return true;
    }
}
