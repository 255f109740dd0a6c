namespace Mesh.Policy.Matching;

/// <summary>
/// A compiled glob: <c>*</c> matches any run of characters (including none), <c>?</c> exactly one.
/// Matching is ordinal and allocates nothing.
/// </summary>
public sealed class Glob
{
    private readonly GlobKind _kind;
    private readonly string _literal;

    private Glob(string pattern, GlobKind kind, string literal)
    {
        Pattern = pattern;
        _kind = kind;
        _literal = literal;
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
        _ => MatchGeneral(_literal, input),
    };

    /// <inheritdoc />
    public override string ToString() => Pattern;

    // Greedy matching with a single backtrack point: linear for the usual patterns, never exponential.
    private static bool MatchGeneral(ReadOnlySpan<char> pattern, ReadOnlySpan<char> input)
    {
        int p = 0, i = 0, starP = -1, starI = 0;
        while (i < input.Length)
        {
            if (p < pattern.Length && (pattern[p] == '?' || pattern[p] == input[i]))
            {
                p++;
                i++;
            }
            else if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starI = i;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                i = ++starI;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*')
        {
            p++;
        }

        return p == pattern.Length;
    }
}
