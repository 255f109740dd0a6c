using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Cli;

/// <summary>
/// Tables as the CLI prints them into a pipe (as in <c>| less</c> or a CI log) and at the width <c>COLUMNS</c> gives:
/// ids, rule ids and URLs are never broken, nested objects are rows of their own, times are to the second.
/// </summary>
public sealed partial class CliTableTests : IAsyncLifetime
{
    private const string LongRule = "payments-over-the-daily-limit-need-two-finance-approvers";
    private const string LongTarget = "ledger/accounts/DE02120300000000202051/transfers/outgoing/2026-12";
    private EmbeddedMesh _mesh = null!;

    public async Task InitializeAsync() => _mesh = await EmbeddedMesh.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private Task<(int Exit, string Out, string Err)> MeshAsync(params string[] args) => MeshCli.RunAsync(_mesh.HttpBase, _mesh.AdminToken, args);

    private Task<(int Exit, string Out, string Err)> MeshAsync(int columns, params string[] args) =>
        MeshCli.RunAsync(_mesh.HttpBase, _mesh.AdminToken, new Dictionary<string, string> { ["COLUMNS"] = columns.ToString(System.Globalization.CultureInfo.InvariantCulture) }, args);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>An approval with a long agent id, target and rule id; returns its id.</summary>
    private async Task<(string Tenant, string ApprovalId)> ApprovalAsync()
    {
        var tenant = "tb" + Guid.NewGuid().ToString("N")[..8];
        using var admin = _mesh.Http(_mesh.AdminToken);
        var policy = $"apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: {LongRule}\n    effect: require_approval\n    approval: {{ groups: [finance] }}\n";
        (await admin.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        var registered = await (await admin.PostAsJsonAsync("v1/agents", new { agentId = $"{tenant}/release-bot-for-the-payments-team" })).Content.ReadFromJsonAsync<JsonElement>();
        using var runtime = _mesh.Http(registered.GetProperty("token").GetString());
        var decision = await (await runtime.PostAsJsonAsync("v1/decide", new
        {
            requestId = "r1",
            agentId = $"{tenant}/release-bot-for-the-payments-team",
            tool = "payments",
            operation = "transfer",
            target = LongTarget,
        })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(decision.TryGetProperty("approvalId", out var approvalId), decision.ToString());
        return (tenant, approvalId.GetString()!);
    }

    [Fact]
    public async Task Piped_output_keeps_a_long_approval_id_and_rule_id_whole_on_one_line()
    {
        var (tenant, approvalId) = await ApprovalAsync();

        var list = await MeshAsync("approval", "list", "--tenant", tenant);

        Assert.Equal(0, list.Exit);
        var lines = Lines(list.Out);
        // One row of the table holds the approval id, the rule id and the target, each whole.
        var row = Assert.Single(lines, line => line.Contains(approvalId, StringComparison.Ordinal));
        Assert.Contains(LongRule, row, StringComparison.Ordinal);
        Assert.Contains(LongTarget, row, StringComparison.Ordinal);
        Assert.True(row.Length > 80, $"the row was laid out for 80 columns: {row}");
        Assert.Contains("1 item(s)", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Columns_sets_the_width_and_words_are_never_broken()
    {
        var (tenant, approvalId) = await ApprovalAsync();

        var wide = await MeshAsync(400, "approval", "list", "--tenant", tenant);
        var narrow = await MeshAsync(150, "approval", "show", approvalId);
        var tiny = await MeshAsync(40, "approval", "list", "--tenant", tenant);

        // Wide enough: the table at its natural width.
        Assert.Equal(0, wide.Exit);
        Assert.Single(Lines(wide.Out), line => line.Contains(approvalId, StringComparison.Ordinal) && line.Contains(LongRule, StringComparison.Ordinal));

        // 150 columns: every line within them; the long words whole, text with spaces wrapped at a space.
        Assert.Equal(0, narrow.Exit);
        Assert.All(Lines(narrow.Out), line => Assert.True(line.Length <= 150, $"{line.Length} columns: {line}"));
        Assert.Contains(Lines(narrow.Out), line => line.Contains(approvalId, StringComparison.Ordinal));
        Assert.Contains(Lines(narrow.Out), line => line.Contains(LongRule, StringComparison.Ordinal));

        // Too narrow for any table that keeps them whole: one field per line, still whole.
        Assert.Equal(0, tiny.Exit);
        Assert.Contains(Lines(tiny.Out), line => line.StartsWith("approval", StringComparison.Ordinal) && line.EndsWith(approvalId, StringComparison.Ordinal));
        Assert.Contains(Lines(tiny.Out), line => line.StartsWith("rule", StringComparison.Ordinal) && line.EndsWith(LongRule, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Text_with_spaces_wraps_at_a_space_to_fit_columns()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-cli-wrap").FullName;
        try
        {
            var policy = Path.Combine(dir, "policy.yaml");
            var cases = Path.Combine(dir, "cases.yaml");
            await File.WriteAllTextAsync(policy, $"apiVersion: mesh/v1\nkind: Policy\nrules:\n  - id: {LongRule}\n    effect: allow\n    match: {{ tools: [payments] }}\n");
            await File.WriteAllTextAsync(cases, $"cases:\n  - name: a transfer within the daily limit is allowed without asking anybody at all\n    request: {{ tool: payments, operation: transfer }}\n    expect: {{ effect: allow, rule: {LongRule} }}\n");

            var piped = await MeshAsync("policy", "test", policy, cases);
            var fitted = await MeshAsync(150, "policy", "test", policy, cases);

            Assert.Equal(0, piped.Exit);
            Assert.Contains(Lines(piped.Out), line => line.Contains("a transfer within the daily limit is allowed without asking anybody at all", StringComparison.Ordinal));
            Assert.Equal(0, fitted.Exit);
            Assert.All(Lines(fitted.Out), line => Assert.True(line.Length <= 150, $"{line.Length} columns: {line}"));
            Assert.DoesNotContain(Lines(fitted.Out), line => line.Contains("a transfer within the daily limit is allowed without asking anybody at all", StringComparison.Ordinal));
            // Expected and actual name the rule: both whole.
            Assert.Equal(2, Regex.Matches(fitted.Out, Regex.Escape(LongRule)).Count);
            // Every word of the name is whole on some line.
            Assert.All("a transfer within the daily limit is allowed without asking anybody at all".Split(' '), word =>
                Assert.Contains(Lines(fitted.Out), line => Regex.IsMatch(line, $@"(^|[\s│]){word}($|[\s│])")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_receipt_is_shown_as_fields_and_times_to_the_second()
    {
        var tenant = "tr" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, (await MeshAsync("credential", "issue", $"{tenant}/github", "--tool", "git", "--expires-in", "30d")).Exit);

        var revoke = await MeshAsync("credential", "revoke", $"{tenant}/github", "--reason", "key leaked");
        var show = await MeshAsync("credential", "show", $"{tenant}/github");

        Assert.Equal(0, revoke.Exit);
        Assert.Contains("credential revoked", Lines(revoke.Out)[0], StringComparison.Ordinal);
        Assert.Matches(@"│ receipt\.complete\s+│ true\s+│", revoke.Out);
        Assert.Matches(@"│ receipt\.silosAcknowledged\s+│ 1\s+│", revoke.Out);
        Assert.DoesNotContain("{", revoke.Out, StringComparison.Ordinal);
        Assert.Equal(0, show.Exit);
        Assert.Matches(@"│ spec\.scopes\[0\]\.tools\s+│ git\s+│", show.Out);
        Assert.Matches(@"│ spec\.expiresAt\s+│ \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z\s+│", show.Out);
        Assert.DoesNotMatch(@"\d{2}:\d{2}:\d{2}\.\d", show.Out + revoke.Out);
    }

    [Fact]
    public async Task Credential_list_shows_a_tenants_credentials()
    {
        var tenant = "tc" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(0, (await MeshAsync("credential", "issue", $"{tenant}/github", "--tool", "git")).Exit);
        Assert.Equal(0, (await MeshAsync("credential", "issue", $"{tenant}/bank", "--tool", "payments")).Exit);
        Assert.Equal(0, (await MeshAsync("credential", "suspend", $"{tenant}/bank", "--reason", "audit")).Exit);

        var list = await MeshAsync("credential", "list", "--tenant", tenant);
        var json = await MeshAsync("credential", "list", "--tenant", tenant, "-o", "json");
        var empty = await MeshAsync("credential", "list", "--tenant", "nobody" + Guid.NewGuid().ToString("N")[..8]);

        Assert.Equal(0, list.Exit);
        Assert.Matches($@"│ {tenant}/github\s+│ active\s+│", list.Out);
        Assert.Matches($@"│ {tenant}/bank\s+│ suspended\s+│.*│ audit\s+│", list.Out);
        Assert.Contains("2 item(s)", list.Out, StringComparison.Ordinal);
        Assert.Equal(
            new[] { $"{tenant}/bank", $"{tenant}/github" },
            JsonDocument.Parse(json.Out).RootElement.EnumerateArray().Select(c => c.GetProperty("credentialId").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(0, empty.Exit);
        Assert.Contains("0 item(s)", empty.Out, StringComparison.Ordinal);
    }
}
