using System.Collections.Concurrent;
using System.Text;
using Mesh.Contracts.Decisions;
using Mesh.LoadTests.Targets;

namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// The agents, credentials and policies a decision scenario runs against, and the request mix: mostly allowed
/// reads, some policy denies, rate-limited searches, approval-requiring deploys and unknown tools (default deny).
/// </summary>
internal sealed class Workload
{
    private Workload(string[] agents, string[] tokens, string[] credentials, int approvals)
    {
        _approvalsFrom = 100 - approvals;
        Agents = agents;
        Tokens = tokens;
        Credentials = credentials;
    }

    private readonly int _approvalsFrom;

    public string[] Agents { get; }

    public string[] Tokens { get; }

    /// <summary>The credential each agent uses, by agent index.</summary>
    public string[] Credentials { get; }

    public static async Task<Workload> SetUpAsync(LoadTarget target, LoadOptions options, string prefix, Func<int, string> policy)
    {
        var tenants = Enumerable.Range(0, Math.Max(1, options.Tenants)).Select(t => $"{prefix}{t}").ToArray();
        var perTenant = Math.Max(1, options.Credentials / tenants.Length);
        for (var t = 0; t < tenants.Length; t++)
        {
            await target.Operator.PublishAsync(tenants[t], policy(options.Rules));
            for (var c = 0; c < perTenant; c++)
            {
                await target.Operator.IssueCredentialAsync($"{tenants[t]}/cred-{c}");
            }
        }

        var agents = new string[options.Agents];
        var tokens = new string[options.Agents];
        var credentials = new string[options.Agents];
        await Parallel.ForEachAsync(Enumerable.Range(0, options.Agents), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var tenant = tenants[i % tenants.Length];
            agents[i] = $"{tenant}/agent-{i}";
            credentials[i] = $"{tenant}/cred-{i / tenants.Length % perTenant}";
            tokens[i] = await target.Operator.RegisterAsync(agents[i], ["coder"], [credentials[i]]);
        });

        return new Workload(agents, tokens, credentials, options.Approvals);
    }

    /// <summary>
    /// The decision mix, per 100 requests: 75 allowed reads, 10 policy denies, 8 rate-limited searches, unknown tools
    /// (default deny), and <c>--approvals</c> deploys that need a human (default 1, so 6 unknown tools). One in a hundred
    /// is already a heavy approval load: at 50,000 decisions a second it opens 500 approvals a second.
    /// </summary>
    public ActionRequest Request(long sequence)
    {
        // Spread consecutive requests over agents with a stride coprime to most agent counts.
        var agent = (int)(sequence * 7919 % Agents.Length);
        var (tool, operation, target) = (sequence % 100) switch
        {
            < 75 => ("git", "pull", "github.com/acme/app"),
            < 85 => ("git", "push-force", "github.com/acme/app"),
            < 93 => ("search", "query", "orleans"),
            var n when n < _approvalsFrom => ("fax", "send", "+1-555-0100"),
            _ => ("deploy", "run", "prod"),
        };
        return new ActionRequest
        {
            RequestId = $"r{sequence}",
            AgentId = Agents[agent],
            AgentToken = Tokens[agent],
            Tool = tool,
            Operation = operation,
            Target = target,
            CredentialId = tool == "git" ? Credentials[agent] : null,
        };
    }

    public static string Label(Decision decision) => decision.Effect switch
    {
        Effect.Allow => "allow",
        Effect.RequireApproval => "require_approval",
        _ => "deny:" + decision.Reason.ToWire(),
    };

    /// <summary>A policy of <paramref name="rules"/> rules: the rules the mix exercises plus rules for other tools.</summary>
    public static string DecisionPolicy(int rules)
    {
        var text = new StringBuilder("""
            apiVersion: mesh/v1
            kind: Policy
            rules:
              - id: read
                effect: allow
                match: { tools: [git], operations: [pull, fetch, clone], roles: [coder] }
              - id: no-force-push
                effect: deny
                match: { tools: [git], operations: [push-force] }
              - id: search
                effect: allow
                match: { tools: [search] }
                limits: { per_agent_tool: "1/10s" }
              - id: deploys-need-approval
                effect: require_approval
                match: { tools: [deploy] }
                approval: { groups: [ops] }

            """);
        for (var i = 4; i < rules; i++)
        {
            text.Append($"  - id: other-{i}\n    effect: allow\n    match: {{ tools: [tool-{i}], roles: [coder] }}\n    when: request.workflow == \"w{i}\"\n");
        }

        return text.ToString();
    }

    public static ConcurrentDictionary<string, long> Merge(IEnumerable<IReadOnlyDictionary<string, long>> parts)
    {
        var merged = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in parts.SelectMany(p => p))
        {
            merged.AddOrUpdate(key, value, (_, n) => n + value);
        }

        return merged;
    }
}
