using System.CommandLine;
using Mesh.Cli.Http;
using Mesh.Cli.Output;
using Spectre.Console;

namespace Mesh.Cli;

/// <summary>The global options every command shares, and what a command needs to run: an API client and a renderer.</summary>
internal static class CliContext
{
    public static readonly Option<string?> Url = new("--url")
    {
        Description = "Base URL of a Mesh silo's HTTP API (default: $MESH_URL, else http://127.0.0.1:8080).",
        Recursive = true,
    };

    public static readonly Option<string?> Token = new("--token")
    {
        Description = "API token (default: $MESH_TOKEN). The silo writes the first admin token to <data>/admin.token.",
        Recursive = true,
    };

    public static readonly Option<string> OutputFormat = new("--output", "-o")
    {
        Description = "table (for people) or json (for scripts).",
        Recursive = true,
        DefaultValueFactory = _ => "table",
    };

    public static readonly Option<double> Timeout = new("--timeout")
    {
        Description = "Seconds to wait for the mesh before giving up (exit code 3).",
        Recursive = true,
        DefaultValueFactory = _ => 30,
    };

    static CliContext()
    {
        OutputFormat.AcceptOnlyFromAmong("table", "json");
    }

    public static IAnsiConsole Console { get; set; } = Create(System.Console.Out, System.Console.IsOutputRedirected);

    public static IAnsiConsole Error { get; set; } = Create(System.Console.Error, System.Console.IsErrorRedirected);

    /// <summary>Runs a command body, mapping failures to exit codes and messages.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Run(Func<Invocation, Task<int>> body, bool needsToken = true) =>
        async (parse, cancellationToken) =>
        {
            try
            {
                using var client = CreateClient(parse, needsToken);
                var renderer = new Renderer(parse.GetValue(OutputFormat) == "json", Console);
                return await body(new Invocation(parse, client, renderer, cancellationToken));
            }
            catch (UsageException ex)
            {
                Error.MarkupLine($"[red]error:[/] {Markup.Escape(TerminalText.Reveal(ex.Message))}");
                return ExitCodes.Usage;
            }
            catch (MeshUnreachableException ex)
            {
                Error.MarkupLine($"[red]unreachable:[/] {Markup.Escape(TerminalText.Reveal(ex.Message))}");
                return ExitCodes.Unreachable;
            }
            catch (MeshApiException ex)
            {
                Error.MarkupLine($"[red]refused ({ex.Status} {Markup.Escape(ex.Code)}):[/] {Markup.Escape(TerminalText.Reveal(ex.Message))}");
                return ex.Status == 400 && ex.Code is "invalid_id" or "malformed_json" or "unknown_field" ? ExitCodes.Usage : ExitCodes.Refused;
            }
        };

    // A console as wide as the output allows: the terminal's width, COLUMNS when set, no limit on a pipe or a file.
    private static IAnsiConsole Create(TextWriter writer, bool redirected)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        console.Profile.Width = OutputWidth.Resolve(Environment.GetEnvironmentVariable("COLUMNS"), redirected, console.Profile.Width) ?? OutputWidth.Unbounded;
        return console;
    }

    private static MeshApiClient CreateClient(ParseResult parse, bool needsToken)
    {
        var url = parse.GetValue(Url) ?? Environment.GetEnvironmentVariable("MESH_URL") ?? "http://127.0.0.1:8080";
        if (!Uri.TryCreate(url.EndsWith('/') ? url : url + "/", UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"'{url}' is not an http:// or https:// URL (--url or MESH_URL).");
        }

        var token = parse.GetValue(Token) ?? Environment.GetEnvironmentVariable("MESH_TOKEN");
        if (needsToken && string.IsNullOrWhiteSpace(token))
        {
            throw new UsageException("No API token: pass --token or set MESH_TOKEN (the first admin token is in the silo's data folder, admin.token).");
        }

        var seconds = parse.GetValue(Timeout);
        if (seconds is <= 0 or > 3600)
        {
            throw new UsageException("--timeout must be between 0 and 3600 seconds.");
        }

        return new MeshApiClient(baseAddress, needsToken ? token!.Trim() : null, TimeSpan.FromSeconds(seconds));
    }
}

/// <summary>Everything one command run needs.</summary>
internal sealed record Invocation(ParseResult Parse, MeshApiClient Api, Renderer Out, CancellationToken CancellationToken)
{
    public T Get<T>(Option<T> option) => Parse.GetValue(option)!;

    public T Get<T>(Argument<T> argument) => Parse.GetValue(argument)!;
}
