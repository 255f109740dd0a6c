using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary><c>mesh agent register|list|show|pause|resume|quarantine|rotate-token</c>.</summary>
internal static class AgentCommands
{
    public static Command Create()
    {
        var agent = new Command("agent", "Register and control agents.");
        agent.Subcommands.Add(Register());
        agent.Subcommands.Add(List());
        agent.Subcommands.Add(Simple("show", "Show an agent: status, roles, credentials, parent, counters.\n\nExample:\n  mesh agent show acme/release-bot", "GET", null, "agent"));
        agent.Subcommands.Add(WithReason("pause", "Pause an agent: every decision is denied agent_paused until resumed.\n\nExample:\n  mesh agent pause acme/release-bot --reason \"runaway loop\"", "pause", "agent paused"));
        agent.Subcommands.Add(WithReason("quarantine", "Quarantine an agent: every decision is denied agent_quarantined.\n\nExample:\n  mesh agent quarantine acme/release-bot --reason \"exfiltration suspected\"", "quarantine", "agent quarantined"));
        agent.Subcommands.Add(Simple("resume", "Return a paused or quarantined agent to active.\n\nExample:\n  mesh agent resume acme/release-bot", "POST", "resume", "agent resumed"));
        agent.Subcommands.Add(Simple("rotate-token", "Issue a new agent token; the old one stops working at once. The new token is shown once.", "POST", "token", "agent token rotated"));
        return agent;
    }

    private static Argument<string> AgentId() => new("agent-id") { Description = "The agent, tenant/name (e.g. acme/release-bot)." };

    private static Command Register()
    {
        var id = AgentId();
        var roles = new Option<string[]>("--role") { Description = "A role policies match on (repeat for more)." };
        var credentials = new Option<string[]>("--credential") { Description = "A credential id (tenant/name) the agent may use (repeat for more)." };
        var parent = new Option<string?>("--parent") { Description = "Parent agent whose grants bound this sub-agent." };
        var owner = new Option<string?>("--owner") { Description = "Person or team responsible; they may not approve its requests." };
        var rate = new Option<string?>("--rate") { Description = "Agent-wide limit, permits/period[:burst], e.g. 60/1m or 10/1s:20." };
        var toolRates = new Option<string[]>("--tool-rate") { Description = "Per-tool limit, tool=permits/period[:burst], e.g. http=5/1s (repeat for more)." };
        var issuedLater = new Option<bool>("--credential-issued-later")
        {
            Description = "Grant --credential ids that are not issued yet (you will issue them next). Without it an unissued credential is refused, so a typo cannot pass.",
        };
        var command = new Command("register", "Register an agent and print its token (shown only this once).\n\nExamples:\n  mesh agent register acme/release-bot --role deployer --credential acme/github --owner alice\n  mesh agent register acme/helper --parent acme/release-bot --role deployer --rate 10/1s")
        {
            id, roles, credentials, parent, owner, rate, toolRates, issuedLater,
        };
        command.SetAction(CliContext.Run(async run =>
        {
            var body = new
            {
                agentId = run.Get(id),
                roles = run.Get(roles),
                credentials = run.Get(credentials),
                parent = run.Get(parent),
                owner = run.Get(owner),
                rateLimit = run.Get(rate) is { } r ? RateLimits.Parse(r, "--rate") : null,
                toolRateLimits = run.Get(toolRates) is { Length: > 0 } t ? t.Select(ParseToolRate).ToDictionary(p => p.Tool, p => p.Limit) : null,
                allowUnissuedCredentials = run.Get(issuedLater),
            };
            var receipt = await run.Api.PostAsync("v1/agents", body, run.CancellationToken);
            run.Out.Object(receipt, "agent registered");
            run.Out.Note("[yellow]Store the token in the runtime's secret store now: Mesh keeps only its hash and never shows it again.[/]");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static (string Tool, object Limit) ParseToolRate(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new UsageException($"--tool-rate '{text}' must look like tool=permits/period, e.g. http=5/1s.");
        }

        return (text[..equals], RateLimits.Parse(text[(equals + 1)..], "--tool-rate"));
    }

    private static Command List()
    {
        var tenant = new Option<string>("--tenant") { Description = "The tenant whose agents to list.", Required = true };
        var command = new Command("list", "List a tenant's agents.\n\nExample:\n  mesh agent list --tenant acme") { tenant };
        command.SetAction(CliContext.Run(async run =>
        {
            var agents = await run.Api.GetAsync($"v1/tenants/{Ids.Segment(run.Get(tenant))}/agents", run.CancellationToken);
            run.Out.List(agents, "agentId:agent", "status", "registration.roles:roles", "registration.credentials:credentials", "registration.parentAgentId:parent", "allowed", "denied");
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command Simple(string name, string description, string method, string? action, string title)
    {
        var id = AgentId();
        var command = new Command(name, description) { id };
        command.SetAction(CliContext.Run(async run =>
        {
            var path = $"v1/agents/{Ids.Path(run.Get(id), "agent")}" + (action is null ? "" : "/" + action);
            var result = method == "GET" ? await run.Api.GetAsync(path, run.CancellationToken) : await run.Api.PostAsync(path, null, run.CancellationToken);
            run.Out.Object(result, title);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Command WithReason(string name, string description, string action, string title)
    {
        var id = AgentId();
        var reason = new Option<string?>("--reason") { Description = "Why; recorded with the change." };
        var command = new Command(name, description) { id, reason };
        command.SetAction(CliContext.Run(async run =>
        {
            var result = await run.Api.PostAsync($"v1/agents/{Ids.Path(run.Get(id), "agent")}/{action}", new { reason = run.Get(reason) }, run.CancellationToken);
            run.Out.Object(result, title);
            return ExitCodes.Success;
        }));
        return command;
    }
}

/// <summary>Parses <c>permits/period[:burst]</c> rate limits.</summary>
internal static class RateLimits
{
    public static object Parse(string text, string option)
    {
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var burst = 0;
        if (slash <= 0 || !int.TryParse(text[..slash], out var permits) || (colon > 0 && !int.TryParse(text[(colon + 1)..], out burst)))
        {
            throw new UsageException($"{option} '{text}' must look like permits/period[:burst], e.g. 60/1m or 10/1s:20.");
        }

        var per = colon > 0 ? text[(slash + 1)..colon] : text[(slash + 1)..];
        return new { permits, per, burst };
    }
}
