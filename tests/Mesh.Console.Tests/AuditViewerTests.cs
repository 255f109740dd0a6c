using System.Net.Http.Json;
using Mesh.Console.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Console.Tests;

/// <summary>The audit viewer: search, follow a decision to its approval and outcome, verify.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AuditViewerTests(ConsoleFixture mesh)
{
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: deploys
            effect: require_approval
            match: { tools: [deploy] }
            approval: { groups: [finance] }
        """;

    [BrowserFact]
    public async Task An_auditor_follows_a_decision_to_its_approval_and_outcome_and_verifies_the_trail()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentId = $"{tenant}/releaser";
        var agentToken = await mesh.RegisterAgentAsync(agentId);
        object Deploy(string? approvalId) => new { requestId = "rel-7", agentId, tool = "deploy", operation = "run", target = "prod", approvalId };
        var asked = await mesh.DecideAsync(agentToken, Deploy(null));
        var approvalId = asked.GetProperty("approvalId").GetString()!;
        using (var ana = mesh.As("ana"))
        {
            (await ana.PostAsJsonAsync($"v1/approvals/{approvalId}/votes", new { approve = true, comment = "release window" })).EnsureSuccessStatusCode();
        }

        Assert.Equal("allow", (await mesh.DecideAsync(agentToken, Deploy(approvalId))).GetProperty("effect").GetString());
        using (var runtime = mesh.Mesh.Http(agentToken))
        {
            (await runtime.PostAsJsonAsync("v1/outcomes", new { agentId, requestId = "rel-7", success = true })).EnsureSuccessStatusCode();
        }

        await using var console = await mesh.OpenAsync();
        await console.SignInAsync(mesh.Tokens["aldo"]);
        await console.Page.GetByRole(AriaRole.Link, new() { Name = "Audit" }).ClickAsync();
        await console.Page.GetByLabel("Agent").FillAsync(agentId);
        await console.Page.GetByLabel("Kind").SelectOptionAsync("decision");
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();

        var records = console.Page.GetByRole(AriaRole.Table, new() { Name = "Matching records" });
        await Expect(records.Locator("tbody tr:not(.record-detail)")).ToHaveCountAsync(2);
        await Expect(records).ToContainTextAsync("Approval required");
        await records.GetByRole(AriaRole.Button, new() { Name = "Details of" }).Last.ClickAsync();
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Follow this request" }).ClickAsync();

        // Decision and approval records live in different streams (the agent's, the tenant's), so only the outcome's
        // place is certain: it is reported last.
        var trail = console.Page.Locator("ol.timeline > li");
        await Expect(trail).ToHaveCountAsync(6);
        var kinds = (await trail.AllInnerTextsAsync()).Select(text => text.Split(" · ")[0]).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["approval consumed", "approval opened", "approval vote", "decision", "decision", "outcome"], kinds);
        await Expect(trail.Filter(new() { HasText = "approval vote" })).ToContainTextAsync("by ana");
        await Expect(trail.Filter(new() { HasText = "Approval required" })).ToHaveCountAsync(1);
        await Expect(trail.Filter(new() { HasText = "Allowed" })).ToHaveCountAsync(1);
        await Expect(trail.Last).ToContainTextAsync("outcome");

        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Verify the audit trail" }).ClickAsync();
        await Expect(console.Page.Locator(".verify-result")).ToContainTextAsync("Verified:");
        Assert.Empty(console.Errors);
    }
}
