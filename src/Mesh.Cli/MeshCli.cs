using System.CommandLine;
using Mesh.Cli.Commands;
using Mesh.Cli.Output;
using Spectre.Console;

namespace Mesh.Cli;

/// <summary>The <c>mesh</c> command line.</summary>
internal static class MeshCli
{
    public static RootCommand Build()
    {
        var root = new RootCommand("""
            mesh: operate a Mesh governance mesh over its HTTP API.

            Configure with --url/--token or MESH_URL/MESH_TOKEN. Every command takes --output json for scripts.
            Exit codes: 0 success (decide: allowed), 1 refused, denied or a check failed (audit verify: problems found),
            2 usage error, 3 cannot reach the mesh, 4 an audit export did not complete.

            Examples:
              export MESH_TOKEN=$(cat data/admin.token)
              mesh agent register acme/release-bot --role deployer --credential acme/github
              mesh credential revoke acme/github --reason "key leaked"
              mesh approval list --tenant acme
              mesh audit query --agent acme/release-bot --since 2h
            """);
        root.Options.Add(CliContext.Url);
        root.Options.Add(CliContext.Token);
        root.Options.Add(CliContext.OutputFormat);
        root.Options.Add(CliContext.Timeout);
        root.Subcommands.Add(AgentCommands.Create());
        root.Subcommands.Add(CredentialCommands.Create());
        root.Subcommands.Add(TenantCommands.Create());
        root.Subcommands.Add(PolicyCommands.Create());
        root.Subcommands.Add(TenantCommands.Stop());
        root.Subcommands.Add(ApprovalCommands.Create());
        root.Subcommands.Add(DecideCommand.Create());
        root.Subcommands.Add(TokenCommands.Create());
        root.Subcommands.Add(AuditCommands.Create());
        root.Subcommands.Add(DbCommands.Create());
        return root;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = Build().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // A mistyped word explains every other error (the command it names is missing, the words after it are
            // left over): say that one and what was probably meant.
            if (Suggestions.For(parse) is { } suggestion)
            {
                var typed = parse.UnmatchedTokens[0];
                var what = typed.StartsWith('-') ? "an option" : "a command";
                CliContext.Error.MarkupLine($"[red]error:[/] '{Markup.Escape(TerminalText.Reveal(typed))}' is not {what} of `{Markup.Escape(suggestion.Command)}`.");
                CliContext.Error.MarkupLine($"did you mean `[bold]{Markup.Escape(TerminalText.Reveal(suggestion.Line))}[/]`?");
                return ExitCodes.Usage;
            }

            foreach (var error in parse.Errors)
            {
                CliContext.Error.MarkupLine($"[red]error:[/] {Markup.Escape(TerminalText.Reveal(error.Message))}");
            }

            CliContext.Error.MarkupLine("Run with --help to see the commands and options.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync();
    }
}
