namespace Mesh.Policy.Matching;

/// <summary>Any-of a list of globs; an empty set matches everything (the field was not constrained).</summary>
public sealed class GlobSet
{
    /// <summary>The set that matches everything.</summary>
    public static readonly GlobSet Any = new([]);

    private readonly Glob[] _globs;

    private GlobSet(Glob[] globs) => _globs = globs;

    /// <summary>True when the set constrains nothing.</summary>
    public bool IsAny => _globs.Length == 0;

    /// <summary>The patterns.</summary>
    public IEnumerable<string> Patterns => _globs.Select(g => g.Pattern);

    /// <summary>Compiles patterns; null or empty gives <see cref="Any"/>.</summary>
    public static GlobSet Compile(IEnumerable<string>? patterns)
    {
        if (patterns is null)
        {
            return Any;
        }

        var globs = patterns.Select(Glob.Compile).ToArray();
        return globs.Length == 0 || globs.Any(g => g.Pattern == "*") ? Any : new GlobSet(globs);
    }

    /// <summary>True when any glob matches (always, for <see cref="Any"/>). A null input only matches <see cref="Any"/>.</summary>
    public bool IsMatch(string? input)
    {
        if (_globs.Length == 0)
        {
            return true;
        }

        if (input is null)
        {
            return false;
        }

        foreach (var glob in _globs)
        {
            if (glob.IsMatch(input))
            {
                return true;
            }
        }

        return false;
    }
}
