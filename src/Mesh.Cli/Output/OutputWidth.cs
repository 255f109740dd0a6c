using System.Globalization;

namespace Mesh.Cli.Output;

/// <summary>
/// How wide the CLI's output may be. <c>COLUMNS</c>, when it holds a width, always wins; otherwise a terminal's own
/// width; otherwise (a pipe, a file, <c>less</c>, a CI log) there is no limit: a line is never broken only because
/// it does not go to a terminal, and ids stay whole and copyable.
/// </summary>
internal static class OutputWidth
{
    /// <summary>The width given to the console when output has no limit (large, but a number Spectre can lay out).</summary>
    public const int Unbounded = 1_000_000;

    /// <summary>The width to lay out for, or null for no limit.</summary>
    /// <param name="columns">The value of <c>COLUMNS</c>, if set.</param>
    /// <param name="redirected">True when the output does not go to a terminal.</param>
    /// <param name="terminalWidth">The terminal's width, when it is one.</param>
    public static int? Resolve(string? columns, bool redirected, int terminalWidth)
    {
        if (int.TryParse(columns?.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var given) && given is > 0 and < Unbounded)
        {
            return given;
        }

        return redirected || terminalWidth <= 0 ? null : terminalWidth;
    }

    /// <summary>The width a console lays out for: <see cref="Unbounded"/> means none.</summary>
    public static int? Of(Spectre.Console.IAnsiConsole console) => console.Profile.Width >= Unbounded ? null : console.Profile.Width;
}
