using Mesh.Console.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Console.Tests;

/// <summary>
/// What a card shows of text that could deceive: characters that reorder or hide text are shown escaped, and secrets
/// are shown only to those who may vote.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class HiddenTextTests(ConsoleFixture mesh)
{
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: payments
            effect: require_approval
            match: { tools: [payments] }
            approval: { groups: [finance] }
        """;

    [BrowserFact]
    public async Task A_right_to_left_override_in_the_arguments_is_shown_escaped_on_the_card()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentToken = await mesh.RegisterAgentAsync($"{tenant}/payer");
        // Rendered as is, "invoice_\u202Efdp.exe" reads "invoice_exe.pdf".
        var asked = await mesh.DecideAsync(agentToken, new { requestId = "rlo-1", agentId = $"{tenant}/payer", tool = "payments", operation = "transfer", target = "acct-7", arguments = "{\"file\":\"invoice_\u202Efdp.exe\",\"to\":\"bob\u200B\"}" });
        var approvalId = asked.GetProperty("approvalId").GetString()!;
        await using var console = await mesh.OpenAsync();

        await console.SignInAsync(mesh.Tokens["ana"]);

        var arguments = console.Page.Locator($"article[data-approval-id='{approvalId}'] pre.arguments");
        await Expect(arguments).ToContainTextAsync("invoice_\\u202Efdp.exe");
        await Expect(arguments).ToContainTextAsync("bob\\u200B");
        await Expect(arguments.Locator(".hidden-char")).ToHaveCountAsync(2);
        await Expect(arguments.Locator(".hidden-char").First).ToHaveTextAsync("\\u202E");
        var shown = await arguments.TextContentAsync();
        Assert.DoesNotContain('\u202E', shown!);
        Assert.DoesNotContain('\u200B', shown!);
        Assert.Empty(console.Errors);
    }

    [BrowserFact]
    public async Task An_auditor_sees_secrets_redacted_and_the_approver_sees_them_in_full()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentToken = await mesh.RegisterAgentAsync($"{tenant}/payer");
        var arguments = "{\"amount\":10,\"x-auth\":\"hunter2hunter2\",\"note\":\"Bearer abcdefghijklmnop\"}";
        var asked = await mesh.DecideAsync(agentToken, new { requestId = "sec-1", agentId = $"{tenant}/payer", tool = "payments", operation = "transfer", target = "acct-7", arguments });
        var approvalId = asked.GetProperty("approvalId").GetString()!;
        await using var auditor = await mesh.OpenAsync();
        await using var approver = await mesh.OpenAsync();

        await auditor.SignInAsync(mesh.Tokens["aldo"]);
        await approver.SignInAsync(mesh.Tokens["ana"]);

        var audited = auditor.Page.Locator($"article[data-approval-id='{approvalId}'] pre.arguments");
        await Expect(audited).ToContainTextAsync("\"amount\": 10");
        await Expect(audited).ToContainTextAsync("\"x-auth\": \"[redacted]\"");
        await Expect(audited).ToContainTextAsync("\"note\": \"[redacted]\"");
        Assert.DoesNotContain("hunter2", await audited.TextContentAsync(), StringComparison.Ordinal);
        var full = approver.Page.Locator($"article[data-approval-id='{approvalId}'] pre.arguments");
        await Expect(full).ToContainTextAsync("\"x-auth\": \"hunter2hunter2\"");
        await Expect(full).ToContainTextAsync("Bearer abcdefghijklmnop");
    }
}
