using System.CommandLine;
using System.Text.Json;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Cli;

/// <summary>
/// Every command of the <c>mesh</c> CLI, found by walking its command tree, run as a real process with
/// <c>--output json</c> against a live embedded silo: what it prints parses as one JSON document. A command added
/// to the CLI without a row here fails the test, so none can be forgotten.
/// </summary>
public sealed class CliJsonOutputTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    // Commands that cannot print one JSON document, and why.
    private static readonly Dictionary<string, string> Exempt = new(StringComparer.Ordinal)
    {
        ["audit tail"] = "streams without end: one JSON object per line (JSON Lines); each line is parsed below",
        ["db init"] = "needs a PostgreSQL server: tests/Mesh.Postgres.Tests/Cli/DbCliTests parses its -o json",
        ["db check"] = "needs a PostgreSQL server: tests/Mesh.Postgres.Tests/Cli/DbCliTests parses its -o json",
    };

    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: git
            effect: allow
            match: { tools: [git] }
          - id: pay
            effect: require_approval
            match: { tools: [payments] }
            approval: { groups: [finance] }
        """;

    private EmbeddedMesh _mesh = null!;
    private string _dir = null!;

    public async Task InitializeAsync()
    {
        _mesh = await EmbeddedMesh.StartAsync();
        _dir = Directory.CreateTempSubdirectory("mesh-cli-json").FullName;
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Every_command_prints_one_json_document_with_output_json()
    {
        var t = "js" + Guid.NewGuid().ToString("N")[..8];
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["t"] = t,
            ["policy"] = Write("policy.yaml", Policy),
            ["candidate"] = Write("candidate.yaml", "apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: git-read\n    effect: allow\n    match: { tools: [git], operations: [pull] }\n"),
            ["cases"] = Write("cases.yaml", "cases:\n  - name: git\n    request: { tool: git, operation: push }\n    expect: { effect: allow, rule: git }\n  - name: shell\n    request: { tool: shell, operation: exec }\n    expect: { effect: deny, reason: default }\n"),
            ["recorded"] = Write("recorded.jsonl", $$"""{"requestId":"r1","agentId":"{{t}}/bot","tool":"git","operation":"push","target":"acme/app"}""" + "\n"),
            ["out"] = Path.Combine(_dir, "export"),
        };

        // Each row: the command, its arguments ({name} is a value from the table above or an earlier answer), and
        // what to keep from its answer for later rows. Rows run in order; a command may have several.
        var rows = new List<(string Command, string[] Args, Action<JsonElement>? Keep, string? As)>
        {
            ("policy validate", ["{policy}"], null, null),
            ("policy test", ["{policy}", "{cases}"], doc => Assert.Equal(JsonValueKind.Object, doc.GetProperty("cases")[0].GetProperty("expected").ValueKind), null),
            ("policy publish", ["--tenant", "{t}", "{policy}"], null, null),
            ("policy publish", ["--tenant", "{t}", "{policy}"], null, null),
            ("policy versions", ["--tenant", "{t}"], null, null),
            ("policy show", ["--tenant", "{t}", "1"], doc => Assert.Contains("id: pay", doc.GetProperty("document").GetString(), StringComparison.Ordinal), null),
            ("policy rollback", ["--tenant", "{t}", "1"], null, null),
            ("policy simulate", ["--tenant", "{t}", "{candidate}", "--requests", "{recorded}"], null, null),
            ("policy shadow", ["--tenant", "{t}", "{candidate}"], null, null),
            ("policy shadow", ["--tenant", "{t}", "--report"], null, null),
            ("policy shadow", ["--tenant", "{t}", "--stop"], null, null),
            ("credential issue", ["{t}/github", "--tool", "git"], null, null),
            ("credential issue", ["{t}/spare", "--tool", "git"], null, null),
            ("credential list", ["--tenant", "{t}"], doc => Assert.Equal(2, doc.GetArrayLength()), null),
            ("credential show", ["{t}/github"], null, null),
            ("credential rotate", ["{t}/spare"], null, null),
            ("credential suspend", ["{t}/spare", "--reason", "check"], null, null),
            ("credential resume", ["{t}/spare"], null, null),
            ("agent register", ["{t}/bot", "--role", "deployer", "--credential", "{t}/github"], doc => Keep(values, "agentToken", doc.GetProperty("token")), null),
            ("agent list", ["--tenant", "{t}"], null, null),
            ("agent show", ["{t}/bot"], null, null),
            ("decide", ["--agent", "{t}/bot", "--agent-token", "{agentToken}", "--tool", "git", "--operation", "push", "--credential", "{t}/github"], null, null),
            ("decide", ["--agent", "{t}/bot", "--agent-token", "{agentToken}", "--tool", "payments", "--operation", "transfer", "--request-id", "p1"], doc => Keep(values, "approval1", doc.GetProperty("approvalId")), null),
            ("decide", ["--agent", "{t}/bot", "--agent-token", "{agentToken}", "--tool", "payments", "--operation", "transfer", "--request-id", "p2"], doc => Keep(values, "approval2", doc.GetProperty("approvalId")), null),
            ("token create", ["--name", "bob", "--role", "approver", "--group", "{t}/finance"], doc =>
            {
                Keep(values, "approver", doc.GetProperty("token"));
                Keep(values, "approverId", doc.GetProperty("info").GetProperty("id"));
            }, null),
            ("token list", [], null, null),
            ("approval list", ["--tenant", "{t}"], null, null),
            ("approval show", ["{approval1}"], doc => Assert.Equal(JsonValueKind.Object, doc.GetProperty("subject").ValueKind), null),
            ("approval approve", ["{approval1}", "--comment", "ok"], null, "approver"),
            ("approval deny", ["{approval2}", "--comment", "no"], null, "approver"),
            ("token revoke", ["{approverId}"], null, null),
            ("agent pause", ["{t}/bot", "--reason", "drill"], null, null),
            ("agent quarantine", ["{t}/bot", "--reason", "drill"], null, null),
            ("agent resume", ["{t}/bot"], null, null),
            ("agent rotate-token", ["{t}/bot"], null, null),
            ("credential revoke", ["{t}/github", "--reason", "drill"], null, null),
            ("tenant pause", ["{t}", "--reason", "drill"], null, null),
            ("tenant show", ["{t}"], null, null),
            ("tenant resume", ["{t}"], null, null),
            ("stop", ["--status"], null, null),
            ("stop", ["--reason", "drill", "--yes"], null, null),
            ("stop", ["--release"], null, null),
            ("audit query", ["--tenant", "{t}"], null, null),
            ("audit export", ["--out", "{out}", "--tenant", "{t}"], null, null),
            ("audit checkpoint", [], null, null),
            ("audit verify", [], null, null),
            ("audit key", [], null, null),
        };

        var leaves = Leaves(global::Mesh.Cli.MeshCli.Build(), string.Empty).ToList();
        var missing = leaves.Where(leaf => !Exempt.ContainsKey(leaf) && rows.All(row => row.Command != leaf)).ToList();
        Assert.True(missing.Count == 0, "commands with no row in this test: " + string.Join(", ", missing));
        Assert.All(rows, row => Assert.Contains(row.Command, leaves));

        foreach (var (command, args, keep, role) in rows)
        {
            string[] line = [.. command.Split(' '), .. args.Select(a => Fill(a, values)), "-o", "json"];
            var token = role is null ? _mesh.AdminToken : values[role];
            var run = await MeshCli.RunAsync(_mesh.HttpBase, token, line);
            var shown = $"mesh {string.Join(' ', line)}: exit {run.Exit}\n{run.Out}\n{run.Err}";
            Assert.True(run.Exit is 0 or 1, shown);
            JsonElement document;
            try
            {
                document = JsonDocument.Parse(run.Out).RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new Xunit.Sdk.XunitException($"not one JSON document ({ex.Message}): {shown}");
            }

            Assert.True(document.ValueKind is JsonValueKind.Object or JsonValueKind.Array, shown);
            keep?.Invoke(document);
        }

        // The exempt stream: JSON Lines, each line one record.
        using var tail = MeshCli.Start(_mesh.HttpBase, _mesh.AdminToken, "audit", "tail", "--tenant", t, "--since", "1h", "-o", "json");
        try
        {
            var first = await tail.StandardOutput.ReadLineAsync().WaitAsync(Deadline);
            Assert.Equal(t, JsonDocument.Parse(first!).RootElement.GetProperty("tenant").GetString());
        }
        finally
        {
            tail.Kill(entireProcessTree: true);
            await tail.WaitForExitAsync().WaitAsync(Deadline);
        }
    }

    private static IEnumerable<string> Leaves(Command command, string path)
    {
        if (command.Subcommands.Count == 0)
        {
            yield return path;
            yield break;
        }

        foreach (var sub in command.Subcommands)
        {
            foreach (var leaf in Leaves(sub, path.Length == 0 ? sub.Name : path + " " + sub.Name))
            {
                yield return leaf;
            }
        }
    }

    private static void Keep(Dictionary<string, string> values, string name, JsonElement value) => values[name] = value.GetString()!;

    private static string Fill(string arg, Dictionary<string, string> values)
    {
        foreach (var (name, value) in values)
        {
            arg = arg.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }

        return arg;
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
