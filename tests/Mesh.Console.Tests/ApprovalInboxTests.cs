using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Client;
using Mesh.Console.Tests.Browser;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Console.Tests;

/// <summary>The approvals inbox in a real browser, against a real silo, with a real runtime waiting on the answer.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ApprovalInboxTests(ConsoleFixture mesh)
{
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: large-payments
            description: Payments need a second person from finance.
            effect: require_approval
            match: { tools: [payments] }
            approval: { groups: [finance] }
        """;

    [BrowserFact]
    public async Task A_runtime_waits_the_approver_sees_every_argument_approves_and_the_runtime_proceeds()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentId = $"{tenant}/payer";
        var agentToken = await mesh.RegisterAgentAsync(agentId);
        await using var console = await mesh.OpenAsync();
        await console.SignInAsync(mesh.Tokens["ana"]);
        await Expect(console.Page.GetByRole(AriaRole.Heading, new() { Name = "Approvals inbox" })).ToBeVisibleAsync();

        await using var gate = MeshGate.Create(mesh.Mesh.GateOptions());
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));
        var request = new ActionRequest
        {
            RequestId = "pay-1",
            AgentId = agentId,
            AgentToken = agentToken,
            Tool = "payments",
            Operation = "transfer",
            Target = "https://93.184.215.14/transfers",
            Workflow = "month-end",
            SessionId = "s-1",
            DataLabels = ["confidential"],
            Arguments = """{"amount":125000,"currency":"EUR","iban":"DE89370400440532013000","memo":"<b>invoice 42</b>"}""",
        };
        var asked = await gate.CheckAsync(request);
        Assert.Equal(Effect.RequireApproval, asked.Effect);
        var waiting = gate.WaitForApprovalAsync(agentId, agentToken, asked.ApprovalId!, TimeSpan.FromSeconds(90));

        // The card arrives while the approver is looking at the inbox: no reload.
        var card = console.Page.Locator($"article[data-approval-id='{asked.ApprovalId}']");
        await Expect(card).ToBeVisibleAsync();
        var arguments = card.Locator("pre.arguments");
        await Expect(arguments).ToContainTextAsync("\"iban\": \"DE89370400440532013000\"");
        await Expect(arguments).ToContainTextAsync("\"amount\": 125000");
        await Expect(arguments).ToContainTextAsync("<b>invoice 42</b>");
        await Expect(card.Locator("dt:text-is('Resolved addresses') + dd")).ToHaveTextAsync("93.184.215.14");
        await Expect(card.Locator("dt:text-is('Workflow') + dd")).ToHaveTextAsync("month-end");
        await Expect(card.Locator("dt:text-is('Data labels') + dd")).ToHaveTextAsync("confidential");
        await Expect(card).ToContainTextAsync("Rule large-payments of policy version 1: Payments need a second person from finance.");
        await Expect(card).ToContainTextAsync("Needs 1 approval; 0 so far.");
        await Expect(card).ToContainTextAsync("May still vote: members of finance, except ops, who owns the agent (separation of duties).");
        await Expect(card.Locator(".deadline")).ToContainTextAsync("left");

        // The id the CLI needs (mesh approval approve <id>) is on the card, whole, and the Copy button copies exactly it.
        await Expect(card.Locator(".approval-id code")).ToHaveTextAsync(asked.ApprovalId!);
        await console.Page.Context.GrantPermissionsAsync(["clipboard-read", "clipboard-write"]);
        var copy = card.GetByRole(AriaRole.Button, new() { Name = "Copy approval id" });
        await copy.ClickAsync();
        await Expect(copy).ToHaveTextAsync("Copied");
        Assert.Equal(asked.ApprovalId, await console.Page.EvaluateAsync<string>("() => navigator.clipboard.readText()"));
        Assert.False(waiting.IsCompleted);

        await card.GetByLabel("Comment (recorded with your vote)").FillAsync("Checked against invoice 42.");
        await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
        await Expect(card.Locator(".vote-result")).ToContainTextAsync("You approved. The approval is now granted.");

        var answer = await waiting;
        Assert.Equal(ApprovalStatus.Granted, answer.Status);
        var proceeded = await gate.CheckAsync(request with { ApprovalId = asked.ApprovalId });
        Assert.Equal(Effect.Allow, proceeded.Effect);

        using var admin = mesh.As("admin");
        var approval = await admin.GetFromJsonAsync<JsonElement>($"v1/approvals/{asked.ApprovalId}");
        Assert.Equal("ana", approval.GetProperty("votes")[0].GetProperty("approverId").GetString());
        Assert.Equal("Checked against invoice 42.", approval.GetProperty("votes")[0].GetProperty("comment").GetString());
        Assert.Empty(console.Errors);
        Assert.All(console.Requested, url => Assert.StartsWith(mesh.Mesh.HttpBase.ToString(), url, StringComparison.Ordinal));
    }

    [BrowserFact]
    public async Task An_auditor_sees_the_request_but_cannot_approve_and_the_server_refuses_a_vote_sent_anyway()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentToken = await mesh.RegisterAgentAsync($"{tenant}/payer");
        var asked = await mesh.DecideAsync(agentToken, new { requestId = "pay-2", agentId = $"{tenant}/payer", tool = "payments", operation = "transfer", target = "acct-7", arguments = "{\"amount\":10}" });
        var approvalId = asked.GetProperty("approvalId").GetString()!;
        await using var console = await mesh.OpenAsync();

        await console.SignInAsync(mesh.Tokens["aldo"]);

        var card = console.Page.Locator($"article[data-approval-id='{approvalId}']");
        await Expect(card.Locator("pre.arguments")).ToContainTextAsync("\"amount\": 10");
        await Expect(card.Locator(".cannot-vote")).ToContainTextAsync("You cannot vote on this approval.");
        await Expect(card.Locator(".cannot-vote")).ToContainTextAsync("auditor");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);

        // The page only shows the rule; the server enforces it: the same vote sent from the page is refused.
        var status = await console.Page.EvaluateAsync<int>(
            "async ([path, token]) => (await fetch(path, { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Content-Type': 'application/json' }, body: JSON.stringify({ approve: true }) })).status",
            new[] { $"/v1/approvals/{approvalId}/votes", mesh.Tokens["aldo"] });
        Assert.Equal(403, status);
        using var admin = mesh.As("admin");
        var approval = await admin.GetFromJsonAsync<JsonElement>($"v1/approvals/{approvalId}");
        Assert.Equal("pending", approval.GetProperty("status").GetString());
    }

    [BrowserFact]
    public async Task The_agents_owner_is_told_why_they_cannot_vote_and_a_deny_with_a_comment_reaches_the_runtime()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentId = $"{tenant}/payer";
        var agentToken = await mesh.RegisterAgentAsync(agentId, owner: "ben");
        var asked = await mesh.DecideAsync(agentToken, new { requestId = "pay-3", agentId, tool = "payments", operation = "refund", target = "acct-1" });
        var approvalId = asked.GetProperty("approvalId").GetString()!;

        await using (var owner = await mesh.OpenAsync())
        {
            await owner.SignInAsync(mesh.Tokens["ben"]);
            var card = owner.Page.Locator($"article[data-approval-id='{approvalId}']");
            await Expect(card.Locator(".cannot-vote")).ToContainTextAsync("Separation of duties");
            await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Approve" })).ToHaveCountAsync(0);
        }

        await using var approver = await mesh.OpenAsync();
        await approver.SignInAsync(mesh.Tokens["ana"]);
        var anaCard = approver.Page.Locator($"article[data-approval-id='{approvalId}']");
        await anaCard.GetByLabel("Comment (recorded with your vote)").FillAsync("Refunds go through support.");
        await anaCard.GetByRole(AriaRole.Button, new() { Name = "Deny" }).ClickAsync();
        await Expect(anaCard.Locator(".vote-result")).ToContainTextAsync("You denied. The approval is now denied.");

        using var runtime = mesh.Mesh.Http(agentToken);
        using var wait = await runtime.PostAsJsonAsync($"v1/approvals/{approvalId}/wait", new { agentId, timeoutSeconds = 5 });
        var answer = await wait.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("denied", answer.GetProperty("status").GetString());
        Assert.Equal("Refunds go through support.", answer.GetProperty("comment").GetString());
    }
}
