using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh approval list|show|approve|deny</c>.</summary>
internal static class ApprovalCommands
{
    public static Command Create()
    {
        var approval = new Command("approval", "See pending approvals with their full requests, and vote.");
        approval.Subcommands.Add(List());
        approval.Subcommands.Add(Show());
        approval.Subcommands.Add(Vote("approve", true, "Approve, as the token's holder and in the token's approver groups.\n\nExample:\n  mesh approval approve acme/apr-3f2a... --comment \"checked the amount\""));
        approval.Subcommands.Add(Vote("deny", false, "Deny; one deny vote denies the request.\n\nExample:\n  mesh approval deny acme/apr-3f2a... --comment \"wrong account\""));
        return approval;
    }

    private static Argument<string> ApprovalId() => new("approval-id") { Description = "The approval, tenant/apr-… (from the decision or `mesh approval list`)." };

    private static Command List()
    {
        var tenant = new Option<string>("--tenant") { Description = "The tenant whose pending approvals to list.", Required = true };
        var command = new Command("list", "List pending approvals.\n\nExample:\n  mesh approval list --tenant acme") { tenant };
        command.SetAction(CliContext.Run(async run =>
        {
            var approvals = await run.Api.GetAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/approvals", run.CancellationToken);
            run.Out.List(approvals, "approvalId:approval", "subject.agentId:agent", "subject.tool:tool", "subject.operation:operation", "subject.target:target", "subject.ruleId:rule", "deadline");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Show()
    {
        var id = ApprovalId();
        var command = new Command("show", "Show an approval: the exact request with every argument, votes, deadline.") { id };
        command.SetAction(CliContext.Run(async run =>
        {
            // One document: the request's fields are subject.* rows of the same table (and one JSON object for scripts).
            var view = await run.Api.GetAsync($"v1/approvals/{Ids.Path(run.Get(id), "approval")}", run.CancellationToken);
            run.Out.Object(view, "approval");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Vote(string name, bool approve, string description)
    {
        var id = ApprovalId();
        var comment = new Option<string?>("--comment") { Description = "Why; shown to the requester and recorded." };
        var command = new Command(name, description) { id, comment };
        command.SetAction(CliContext.Run(async run =>
        {
            var view = await run.Api.PostAsync($"v1/approvals/{Ids.Path(run.Get(id), "approval")}/votes", new { approve, comment = run.Get(comment) }, run.CancellationToken);
            run.Out.Object(view, approve ? "approval: approved" : "approval: denied");
            return ExitCodes.Success;
        }));
        return command;
    }
}
