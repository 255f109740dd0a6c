using System.CommandLine;
using Mesh.Cli.Http;
using Mesh.Cli.Output;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh tenant show|pause|resume</c>, <c>mesh policy publish</c> and <c>mesh stop</c>.</summary>
internal static class TenantCommands
{
    public static Command Create()
    {
        var tenant = new Command("tenant", "Pause or resume every agent of a tenant.");
        tenant.Subcommands.Add(Action("show", "Show a tenant: pause state, active policy version, agents.", null, "tenant"));
        tenant.Subcommands.Add(Action("pause", "Pause every agent of the tenant.\n\nExample:\n  mesh tenant pause acme --reason \"incident 42\"", "pause", "tenant paused"));
        tenant.Subcommands.Add(Action("resume", "Resume the tenant.\n\nExample:\n  mesh tenant resume acme", "resume", "tenant resumed"));
        return tenant;
    }

    public static Command Stop()
    {
        var release = new Option<bool>("--release") { Description = "Release the emergency stop instead of engaging it." };
        var status = new Option<bool>("--status") { Description = "Only show whether the emergency stop is engaged." };
        var reason = new Option<string?>("--reason") { Description = "Why; recorded with the change (required to engage; with --release, said back and sent with the release)." };
        var yes = new Option<bool>("--yes") { Description = "Engage without asking to type STOP (for scripts)." };
        var command = new Command("stop", "Fleet-wide emergency stop: every decision of every agent in every tenant is denied until released. Engaging it needs --reason and typing STOP (or --yes).\n\nExamples:\n  mesh stop --reason \"agents misbehaving\"\n  mesh stop --reason \"incident 42\" --yes\n  mesh stop --status\n  mesh stop --release")
        {
            release, status, reason, yes,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            if (run.Get(status))
            {
                run.Out.Object(await run.Api.GetAsync("v1/emergency-stop", run.CancellationToken), "emergency stop");
                return ExitCodes.Success;
            }

            if (run.Get(release))
            {
                return await ReleaseAsync(run, run.Get(reason));
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

    // The reason goes with the release (a mesh that reads it records it) and is said back, so the operator sees what
    // was sent; when the answer does not carry it, the operator hears that this mesh did not record it.
    private static async Task<int> ReleaseAsync(Invocation run, string? reason)
    {
        var why = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim();
        var released = await run.Api.DeleteAsync("v1/emergency-stop", why is null ? null : new { reason = why }, run.CancellationToken);
        run.Out.Object(released, "emergency stop released");
        if (why is not null)
        {
            var recorded = released.ValueKind == System.Text.Json.JsonValueKind.Object && released.TryGetProperty("reason", out var r)
                && r.ValueKind == System.Text.Json.JsonValueKind.String && r.GetString() == why;
            run.Out.Note($"reason: {Markup.Escape(TerminalText.Reveal(why))}");
            if (!recorded)
            {
                CliContext.Error.MarkupLine("[yellow]note:[/] this mesh does not record a reason for a release; the audit trail shows who released it and when.");
            }
        }

        return ExitCodes.Success;
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

    private static Command Action(string name, string description, string? action, string title)
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
            run.Out.Object(result, title);
            return ExitCodes.Success;
        }));
        return command;
    }
}
