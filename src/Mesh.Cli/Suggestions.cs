using System.CommandLine;

namespace Mesh.Cli;

/// <summary>
/// "Did you mean" for a mistyped command or option: the first word the command line did not match, set against the
/// subcommands (or, for <c>--words</c>, the options) of the command it was typed under. <c>mesh agent lst --tenant
/// acme</c> suggests <c>mesh agent list --tenant acme</c>.
/// </summary>
internal static class Suggestions
{
    /// <summary>The command the word was typed under and the corrected command line, or null when no word is close enough to a known one.</summary>
    public static (string Command, string Line)? For(ParseResult parse)
    {
        if (parse.UnmatchedTokens.Count == 0)
        {
            return null;
        }

        var command = parse.CommandResult.Command;
        var typed = parse.UnmatchedTokens[0];
        var known = typed.StartsWith('-')
            ? Options(parse).SelectMany(o => o.Aliases.Prepend(o.Name))
            : command.Subcommands.Where(c => !c.Hidden).SelectMany(c => c.Aliases.Prepend(c.Name));
        var best = Closest(typed, known);
        if (best is null)
        {
            return null;
        }

        var path = Path(parse.CommandResult).ToList();
        var words = new List<string>(path) { best };
        words.AddRange(parse.UnmatchedTokens.Skip(1));
        return (string.Join(' ', path), string.Join(' ', words));
    }

    /// <summary>The known word nearest <paramref name="typed"/>: a few letters wrong, swapped, missing or extra, or cut short.</summary>
    internal static string? Closest(string typed, IEnumerable<string> known)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var word in known.Distinct(StringComparer.Ordinal))
        {
            var distance = Distance(typed.ToLowerInvariant(), word.ToLowerInvariant());
            var close = distance <= Math.Max(1, Math.Min(2, word.Length / 3))
                || (typed.Length >= 2 && word.StartsWith(typed, StringComparison.OrdinalIgnoreCase));
            if (close && distance < bestDistance)
            {
                best = word;
                bestDistance = distance;
            }
        }

        return best;
    }

    // The options the command takes: its own and the recursive ones of the commands above it.
    private static IEnumerable<Option> Options(ParseResult parse)
    {
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            foreach (var option in result.Command.Options.Where(o => !o.Hidden && (result == parse.CommandResult || o.Recursive)))
            {
                yield return option;
            }
        }
    }

    private static IEnumerable<string> Path(System.CommandLine.Parsing.CommandResult command)
    {
        var names = new Stack<string>();
        for (var result = command; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
        {
            names.Push(result.Command is RootCommand ? "mesh" : result.Command.Name);
        }

        return names;
    }

    // Edit distance counting a swap of two neighbouring letters as one edit (agnet -> agent).
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
