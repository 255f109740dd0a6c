using System.CommandLine;
using System.Text.Json;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh decide</c>: send an action request as a runtime would and print the decision.</summary>
internal static class DecideCommand
{
    public static Command Create()
    {
        var agent = new Option<string>("--agent") { Description = "The agent, tenant/name.", Required = true };
        var agentToken = new Option<string?>("--agent-token") { Description = "The agent's token (default: $MESH_AGENT_TOKEN)." };
        var tool = new Option<string>("--tool") { Description = "Tool, e.g. git.", Required = true };
        var operation = new Option<string>("--operation") { Description = "Operation, e.g. push.", Required = true };
        var target = new Option<string?>("--target") { Description = "Target, e.g. github.com/acme/app." };
        var credential = new Option<string?>("--credential") { Description = "Credential id the action would use." };
        var labels = new Option<string[]>("--label") { Description = "Data label the action carries (repeat for more)." };
        var workflow = new Option<string?>("--workflow") { Description = "Workflow." };
        var session = new Option<string?>("--session") { Description = "Session id." };
        var arguments = new Option<string?>("--arguments") { Description = "The full arguments (JSON text) approvers will see." };
        var approval = new Option<string?>("--approval") { Description = "Approval id, when re-sending after approval." };
        var requestId = new Option<string?>("--request-id") { Description = "Idempotency key (default: a new one)." };
        var command = new Command("decide", "Ask the mesh whether an action may happen, exactly as a runtime does. Exit code 0 when allowed, 1 when denied or approval is required.\n\nExample:\n  mesh decide --agent acme/release-bot --agent-token $TOKEN --tool git --operation push --target github.com/acme/app --credential acme/github")
        {
            agent, agentToken, tool, operation, target, credential, labels, workflow, session, arguments, approval, requestId,
        };
        command.SetAction(CliContext.Run(
            async run =>
            {
                var token = run.Get(agentToken) ?? Environment.GetEnvironmentVariable("MESH_AGENT_TOKEN")
                    ?? throw new UsageException("No agent token: pass --agent-token or set MESH_AGENT_TOKEN.");
                var body = new
                {
                    requestId = run.Get(requestId) ?? Guid.NewGuid().ToString("N"),
                    agentId = run.Get(agent),
                    tool = run.Get(tool),
                    operation = run.Get(operation),
                    target = run.Get(target),
                    credentialId = run.Get(credential),
                    dataLabels = run.Get(labels),
                    workflow = run.Get(workflow),
                    sessionId = run.Get(session),
                    arguments = run.Get(arguments),
                    approvalId = run.Get(approval),
                };
                var decision = await run.Api.PostAsAgentAsync("v1/decide", body, token.Trim(), run.CancellationToken);
                run.Out.Object(decision, "decision");
                var effect = decision.TryGetProperty("effect", out var e) ? e.GetString() : null;
                return effect == "allow" ? ExitCodes.Success : ExitCodes.Refused;
            },
            needsToken: false));
        return command;
    }
}
