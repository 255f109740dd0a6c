using System.CommandLine;
using Mesh.Cli.Http;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh tenant show|pause|resume</c>, <c>mesh policy publish</c> and <c>mesh stop</c>.</summary>
internal static class TenantCommands
{
    public static Command Create()
    {
        var tenant = new Command("tenant", "Pause or resume every agent of a tenant.");
        tenant.Subcommands.Add(Action("show", "Show a tenant: pause state, active policy version, agents.", null));
        tenant.Subcommands.Add(Action("pause", "Pause every agent of the tenant.\n\nExample:\n  mesh tenant pause acme --reason \"incident 42\"", "pause"));
        tenant.Subcommands.Add(Action("resume", "Resume the tenant.\n\nExample:\n  mesh tenant resume acme", "resume"));
        return tenant;
    }

    public static Command Stop()
    {
        var release = new Option<bool>("--release") { Description = "Release the emergency stop instead of engaging it." };
        var status = new Option<bool>("--status") { Description = "Only show whether the emergency stop is engaged." };
        var reason = new Option<string?>("--reason") { Description = "Why; recorded with the change (required to engage)." };
        var yes = new Option<bool>("--yes") { Description = "Engage without asking to type STOP (for scripts)." };
        var command = new Command("stop", "Fleet-wide emergency stop: every decision of every agent in every tenant is denied until released. Engaging it needs --reason and typing STOP (or --yes).\n\nExamples:\n  mesh stop --reason \"agents misbehaving\"\n  mesh stop --reason \"incident 42\" --yes\n  mesh stop --status\n  mesh stop --release")
        {
            release, status, reason, yes,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            if (run.Get(status) || run.Get(release))
            {
                var shown = run.Get(status) ? await run.Api.GetAsync("v1/emergency-stop", run.CancellationToken)
                    : await run.Api.DeleteAsync("v1/emergency-stop", run.CancellationToken);
                run.Out.Object(shown, "emergency stop");
                return ExitCodes.Success;
            }

            // Engaging stops every agent of every tenant: ask for a reason and a deliberate confirmation, as the console does.
            var why = run.Get(reason);
            if (string.IsNullOrWhiteSpace(why))
            {
                throw new UsageException("The emergency stop denies every decision of every agent in every tenant: say why with --reason \"…\".");
            }

            if (!run.Get(yes) && !ConfirmStop())
            {
                return ExitCodes.Refused;
            }

            var result = await run.Api.PostAsync("v1/emergency-stop", new { reason = why }, run.CancellationToken);
            run.Out.Object(result, "emergency stop");
            return ExitCodes.Success;
        }));
        return command;
    }

    // Asks on the terminal; with no terminal to ask on (a script, a pipe) it refuses and says how to confirm instead.
    private static bool ConfirmStop()
    {
        if (System.Console.IsInputRedirected || !CliContext.Console.Profile.Capabilities.Interactive)
        {
            throw new UsageException("The emergency stop needs a confirmation and there is no terminal to ask on: pass --yes to engage it from a script.");
        }

        CliContext.Error.MarkupLine("[red]This denies every decision of every agent in every tenant until released (mesh stop --release).[/]");
        CliContext.Error.Markup("Type [bold]STOP[/] to engage it: ");
        if (string.Equals(System.Console.ReadLine()?.Trim(), "STOP", StringComparison.Ordinal))
        {
            return true;
        }

        CliContext.Error.MarkupLine("Not engaged: the confirmation was not STOP.");
        return false;
    }

    private static Command Action(string name, string description, string? action)
    {
        var tenant = new Argument<string>("tenant") { Description = "The tenant, e.g. acme." };
        var reason = new Option<string?>("--reason") { Description = "Why; recorded with the change." };
        var command = new Command(name, description) { tenant };
        if (action == "pause")
        {
            command.Options.Add(reason);
        }

        command.SetAction(CliContext.Run(async run =>
        {
            var path = $"v1/tenants/{Ids.Segment(run.Get(tenant))}";
            var result = action is null
                ? await run.Api.GetAsync(path, run.CancellationToken)
                : await run.Api.PostAsync($"{path}/{action}", action == "pause" ? new { reason = run.Get(reason) } : null, run.CancellationToken);
            run.Out.Object(result);
            return ExitCodes.Success;
        }));
        return command;
    }
}
