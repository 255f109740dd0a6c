namespace Mesh.Cli.Output;

/// <summary>
/// Column widths for a table that never breaks a word: an id, a rule id, a URL or a hash has no spaces, so it is
/// one word, and a column is never narrower than its longest word nor than its header. Text with spaces wraps at
/// the spaces when room is short. When even the narrowest such table is wider than the output, there is no table
/// (the caller prints one field per line instead).
/// </summary>
internal static class TableLayout
{
    /// <summary>What a rounded-border table adds: a border and a space of padding either side of every cell.</summary>
    public static int Overhead(int columns) => (3 * columns) + 1;

    /// <summary>
    /// The widths to give the columns: null entries when every column can take its natural width; the array of
    /// widths when some must wrap; null when the table cannot fit without breaking a word.
    /// </summary>
    /// <param name="natural">Each column's natural width: its longest line, header included.</param>
    /// <param name="minimum">Each column's narrowest width: its longest word, and its header.</param>
    /// <param name="width">The output's width, or null for no limit.</param>
    /// <param name="fits">False when no table fits the width without breaking a word.</param>
    public static int[]? Fit(int[] natural, int[] minimum, int? width, out bool fits)
    {
        fits = true;
        var overhead = Overhead(natural.Length);
        if (width is not { } available || natural.Sum() + overhead <= available)
        {
            return null;
        }

        var room = available - overhead - minimum.Sum();
        if (room < 0)
        {
            fits = false;
            return null;
        }

        // Share the room beyond the minimums in proportion to what each column would still like to have.
        var wanted = natural.Select((n, i) => n - minimum[i]).ToArray();
        var total = wanted.Sum();
        var widths = new int[natural.Length];
        for (var i = 0; i < widths.Length; i++)
        {
            widths[i] = minimum[i] + (total == 0 ? 0 : (int)((long)room * wanted[i] / total));
        }

        return widths;
    }
}
