using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh credential issue|list|show|revoke|suspend|resume|rotate</c>.</summary>
internal static class CredentialCommands
{
    public static Command Create()
    {
        var credential = new Command("credential", "Issue and control credentials.");
        credential.Subcommands.Add(Issue());
        credential.Subcommands.Add(List());
        credential.Subcommands.Add(Action("show", "Show a credential: status, version, scopes, expiry.\n\nExample:\n  mesh credential show acme/github", null, "credential", withReason: false));
        credential.Subcommands.Add(Action("revoke", "Revoke a credential permanently. When this returns, no decision that starts afterwards allows it.\n\nExample:\n  mesh credential revoke acme/github --reason \"key leaked\"", "revoke", "credential revoked", withReason: true));
        credential.Subcommands.Add(Action("suspend", "Suspend a credential until resumed.\n\nExample:\n  mesh credential suspend acme/github --reason \"investigating\"", "suspend", "credential suspended", withReason: true));
        credential.Subcommands.Add(Action("resume", "Resume a suspended credential (a revoked one cannot be resumed).", "resume", "credential resumed", withReason: false));
        credential.Subcommands.Add(Rotate());
        return credential;
    }

    private static Argument<string> CredentialId() => new("credential-id") { Description = "The credential, tenant/name (e.g. acme/github)." };

    private static (Option<string[]> Tools, Option<string[]> Operations, Option<string[]> Targets) ScopeOptions() => (
        new Option<string[]>("--tool") { Description = "Tool glob the credential covers (repeat; none: any)." },
        new Option<string[]>("--operation") { Description = "Operation glob (repeat; none: any)." },
        new Option<string[]>("--target") { Description = "Target glob, e.g. github.com/acme/* (repeat; none: any)." });

    private static object[] Scope(Invocation run, (Option<string[]> Tools, Option<string[]> Operations, Option<string[]> Targets) scope) =>
        [new { tools = run.Get(scope.Tools), operations = run.Get(scope.Operations), targets = run.Get(scope.Targets) }];

    private static DateTimeOffset? Expiry(Invocation run, Option<DateTimeOffset?> at, Option<string?> @in)
    {
        if (run.Get(@in) is not { } text)
        {
            return run.Get(at);
        }

        var units = new Dictionary<char, TimeSpan> { ['s'] = TimeSpan.FromSeconds(1), ['m'] = TimeSpan.FromMinutes(1), ['h'] = TimeSpan.FromHours(1), ['d'] = TimeSpan.FromDays(1) };
        return text.Length > 1 && int.TryParse(text[..^1], out var amount) && amount > 0 && units.TryGetValue(text[^1], out var unit)
            ? TimeProvider.System.GetUtcNow() + (unit * amount)
            : throw new UsageException($"--expires-in '{text}' must look like 30m, 12h or 7d.");
    }

    private static Command Issue()
    {
        var id = CredentialId();
        var scope = ScopeOptions();
        var expiresAt = new Option<DateTimeOffset?>("--expires-at") { Description = "When it stops working (ISO 8601)." };
        var expiresIn = new Option<string?>("--expires-in") { Description = "Or: how long it works, e.g. 12h or 7d." };
        var description = new Option<string?>("--description") { Description = "What it is for." };
        var command = new Command("issue", "Issue a credential with one scope.\n\nExample:\n  mesh credential issue acme/github --tool git --operation push --operation pull --target \"github.com/acme/*\" --expires-in 30d")
        {
            id, scope.Tools, scope.Operations, scope.Targets, expiresAt, expiresIn, description,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            var body = new { credentialId = run.Get(id), scopes = Scope(run, scope), expiresAt = Expiry(run, expiresAt, expiresIn), description = run.Get(description) };
            run.Out.Object(await run.Api.PostAsync("v1/credentials", body, run.CancellationToken), "credential issued");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command List()
    {
        var tenant = new Option<string>("--tenant") { Description = "The tenant whose credentials to list.", Required = true };
        var command = new Command("list", "List a tenant's credentials: status, version, scopes, expiry.\n\nExample:\n  mesh credential list --tenant acme") { tenant };
        command.SetAction(CliContext.Run(async run =>
        {
            var credentials = await run.Api.GetAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/credentials", run.CancellationToken);
            run.Out.List(credentials, "credentialId:credential", "status", "version", "spec.scopes:scopes", "spec.expiresAt:expires", "expired", "statusReason:reason");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Rotate()
    {
        var id = CredentialId();
        var scope = ScopeOptions();
        var command = new Command("rotate", "Start a new credential version; decisions name the version they saw. With --tool/--operation/--target the scope is replaced.\n\nExample:\n  mesh credential rotate acme/github")
        {
            id, scope.Tools, scope.Operations, scope.Targets,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            var replace = run.Get(scope.Tools).Length + run.Get(scope.Operations).Length + run.Get(scope.Targets).Length > 0;
            var body = replace ? new { scopes = Scope(run, scope) } : null;
            run.Out.Object(await run.Api.PostAsync($"v1/credentials/{Ids.Path(run.Get(id), "credential")}/rotate", body, run.CancellationToken), "credential rotated");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Action(string name, string description, string? action, string title, bool withReason)
    {
        var id = CredentialId();
        var reason = new Option<string?>("--reason") { Description = "Why; recorded with the change." };
        var command = new Command(name, description) { id };
        if (withReason)
        {
            command.Options.Add(reason);
        }

        command.SetAction(CliContext.Run(async run =>
        {
            var path = $"v1/credentials/{Ids.Path(run.Get(id), "credential")}";
            var result = action is null
                ? await run.Api.GetAsync(path, run.CancellationToken)
                : await run.Api.PostAsync($"{path}/{action}", withReason ? new { reason = run.Get(reason) } : null, run.CancellationToken);
            run.Out.Object(result, title);
            return ExitCodes.Success;
        }));
        return command;
    }
}
