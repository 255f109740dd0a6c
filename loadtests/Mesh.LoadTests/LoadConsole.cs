using Spectre.Console;

namespace Mesh.LoadTests;

/// <summary>
/// Where the tool writes: its own lines (the start line, progress, the result tables) to <see cref="Output"/>, errors
/// and notices to <see cref="Error"/>.
/// </summary>
/// <param name="OwnsProcessConsole">
/// True for the <c>mesh-load</c> process itself: the embedded silos print their banner (endpoints, "Mesh ready") to
/// <see cref="Console.Out"/>, so while they run the process console is pointed at their log file and only the tool
/// writes to standard output. False where the tool runs inside another process (tests), whose console it must not take.
/// </param>
internal sealed record LoadConsole(TextWriter Output, TextWriter Error, bool OwnsProcessConsole)
{
    /// <summary>The process's own standard output and error.</summary>
    public static LoadConsole Process() => new(Console.Out, Console.Error, OwnsProcessConsole: true);

    /// <summary>A console for the result tables on <see cref="Output"/>, sized now (before the process console may be redirected).</summary>
    public IAnsiConsole CreateTables()
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Output) });
        console.Profile.Width = Math.Max(console.Profile.Width, 100);
        return console;
    }
}
