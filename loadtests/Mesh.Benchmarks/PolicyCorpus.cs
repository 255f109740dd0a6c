using System.Text;

namespace Mesh.Benchmarks;

/// <summary>
/// Builds realistic policies of a given size: most rules belong to other tools (a tenant with many integrations),
/// a few target the benchmarked tool with globs, roles and conditions, and some deny rules guard sensitive targets.
/// </summary>
public static class PolicyCorpus
{
    private static readonly string[] Tools = ["git", "http", "shell", "files", "db", "payments", "email", "deploy", "slack", "jira"];

    public static string Build(int rules)
    {
        var text = new StringBuilder("apiVersion: mesh/v1\nkind: Policy\nrules:\n");
        for (var i = 0; i < rules; i++)
        {
            var tool = i < 5 ? "git" : $"{Tools[i % Tools.Length]}-{i}";
            switch (i % 5)
            {
                case 0:
                    text.Append($"  - id: r{i}\n    effect: allow\n    match: {{ tools: [{tool}], operations: [clone, pull, fetch], targets: [\"github.com/acme/*\"], roles: [coder] }}\n");
                    break;
                case 1:
                    text.Append($"  - id: r{i}\n    effect: deny\n    match: {{ tools: [{tool}], operations: [push-force] }}\n");
                    break;
                case 2:
                    text.Append($"  - id: r{i}\n    effect: allow\n    match: {{ tools: [{tool}], operations: [push], roles: [release] }}\n    when: request.workflow == \"release\" && time.hour >= 8 && time.hour < 18\n");
                    break;
                case 3:
                    text.Append($"  - id: r{i}\n    effect: require_approval\n    match: {{ tools: [{tool}], targets: [\"github.com/acme/infra*\"] }}\n    approval: {{ groups: [sre] }}\n");
                    break;
                default:
                    text.Append($"  - id: r{i}\n    effect: deny\n    match: {{ tools: [{tool}], labels: [secret] }}\n    unless: '\"security\" in agent.roles'\n");
                    break;
            }
        }

        return text.ToString();
    }
}
