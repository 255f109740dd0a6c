using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh token create|list|revoke</c> (admin).</summary>
internal static class TokenCommands
{
    public static Command Create()
    {
        var token = new Command("token", "Create, list and revoke API tokens (admin role).");
        token.Subcommands.Add(CreateToken());

        var list = new Command("list", "List API tokens (never their secrets).");
        list.SetAction(CliContext.Run(async run =>
        {
            run.Out.List(await run.Api.GetAsync("v1/tokens", run.CancellationToken), "id", "name", "roles", "groups", "createdBy", "revoked");
            return ExitCodes.Success;
        }));
        token.Subcommands.Add(list);

        var id = new Argument<string>("token-id") { Description = "The token id (the part after mesh_ot_ and before the dot)." };
        var revoke = new Command("revoke", "Revoke an API token; it stops working at once.\n\nExample:\n  mesh token revoke 3f2a9c01b7e4") { id };
        revoke.SetAction(CliContext.Run(async run =>
        {
            run.Out.Object(await run.Api.DeleteAsync($"v1/tokens/{Ids.Segment(run.Get(id))}", null, run.CancellationToken), "token revoked");
            return ExitCodes.Success;
        }));
        token.Subcommands.Add(revoke);
        return token;
    }

    private static Command CreateToken()
    {
        var name = new Option<string>("--name") { Description = "Who holds it; recorded as the actor of everything done with it.", Required = true };
        var roles = new Option<string[]>("--role") { Description = "admin, operator, approver or auditor (repeat for more).", Required = true };
        var groups = new Option<string[]>("--group") { Description = "Approver group the holder belongs to, as tenant/group (that tenant only) or */group (every tenant); repeat for more." };
        var command = new Command("create", "Create an API token and print it (shown only this once).\n\nExamples:\n  mesh token create --name bob --role approver --group acme/finance\n  mesh token create --name siem --role auditor")
        {
            name, roles, groups,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            var issued = await run.Api.PostAsync("v1/tokens", new { name = run.Get(name), roles = run.Get(roles), groups = run.Get(groups) }, run.CancellationToken);
            run.Out.Object(issued, "token created");
            run.Out.Note("[yellow]Give the token to its holder now: Mesh keeps only its hash and never shows it again.[/]");
            return ExitCodes.Success;
        }));
        return command;
    }
}
