using System.CommandLine;

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
        var reason = new Option<string?>("--reason") { Description = "Why; recorded with the change." };
        var command = new Command("stop", "Fleet-wide emergency stop: every decision of every agent in every tenant is denied until released.\n\nExamples:\n  mesh stop --reason \"agents misbehaving\"\n  mesh stop --status\n  mesh stop --release")
        {
            release, status, reason,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            var result = run.Get(status) ? await run.Api.GetAsync("v1/emergency-stop", run.CancellationToken)
                : run.Get(release) ? await run.Api.DeleteAsync("v1/emergency-stop", run.CancellationToken)
                : await run.Api.PostAsync("v1/emergency-stop", new { reason = run.Get(reason) }, run.CancellationToken);
            run.Out.Object(result, "emergency stop");
            return ExitCodes.Success;
        }));
        return command;
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
