using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Client;
using Mesh.Console.Tests.Browser;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Mesh.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Console.Tests;

/// <summary>
/// Every silo serves the console: with two silos, the runtime talks to one and people use the console of the other,
/// and a revoke's receipt counts both silos.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class TwoSiloConsoleTests(ConsoleFixture fixture)
{
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: payouts
            description: Payouts need finance.
            effect: require_approval
            match: { tools: [payments] }
            approval: { groups: [finance] }
        """;

    [BrowserFact]
    public async Task The_console_of_the_other_silo_approves_and_revokes_and_the_receipt_counts_both_silos()
    {
        await using var first = await EmbeddedMesh.StartAsync(null, "--storage", "memory", "--Mesh:FreeAuthFailures", "100000");
        await using var second = await EmbeddedMesh.StartAsync(first.DataDir, "--storage", "memory", "--Mesh:FreeAuthFailures", "100000", "--primary-silo-port", $"{first.SiloPort}");
        var tokens = await ConsoleFixture.CreateTokensAsync(first, ("ops", "operator", []), ("ana", "approver", ["finance"]));
        using var ops = first.Http(tokens["ops"]);
        (await ops.PutAsync("v1/tenants/acme/policy", new StringContent(Policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        (await ops.PostAsJsonAsync("v1/credentials", new { credentialId = "acme/bank", scopes = new[] { new { tools = new[] { "payments" } } } })).EnsureSuccessStatusCode();
        using var registered = await ops.PostAsJsonAsync("v1/agents", new { agentId = "acme/payer", owner = "ops", credentials = new[] { "acme/bank" } });
        registered.EnsureSuccessStatusCode();
        var agentToken = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        // The fleet has two silos once a change is acknowledged by two.
        await Poll.UntilAsync(async () =>
        {
            using var paused = await ops.PostAsJsonAsync("v1/tenants/warmup/pause", new { reason = "waiting for the second silo" });
            var receipt = (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("receipt");
            return receipt.GetProperty("silosLive").GetInt32() == 2 && receipt.GetProperty("silosAcknowledged").GetInt32() == 2;
        }, TimeSpan.FromSeconds(60), "both silos to acknowledge a fleet change");

        // The runtime knows only the first silo.
        await using var gate = MeshGate.Create(first.GateOptions());
        await gate.WaitUntilConnectedAsync(TimeSpan.FromSeconds(30));
        var request = new ActionRequest { RequestId = "po-1", AgentId = "acme/payer", AgentToken = agentToken, Tool = "payments", Operation = "payout", Target = "acct-42", CredentialId = "acme/bank", Arguments = """{"amount":900}""" };
        var asked = await gate.CheckAsync(request);
        Assert.Equal(Effect.RequireApproval, asked.Effect);
        var waiting = gate.WaitForApprovalAsync("acme/payer", agentToken, asked.ApprovalId!, TimeSpan.FromSeconds(90));

        await using (var approver = await fixture.OpenAsync(second.HttpBase))
        {
            await approver.SignInAsync(tokens["ana"]);
            var card = approver.Page.Locator($"article[data-approval-id='{asked.ApprovalId}']");
            await Expect(card.Locator("pre.arguments")).ToContainTextAsync("\"amount\": 900");
            await card.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync();
            await Expect(card.Locator(".vote-result")).ToContainTextAsync("The approval is now granted.");
        }

        Assert.Equal(ApprovalStatus.Granted, (await waiting).Status);
        Assert.Equal(Effect.Allow, (await gate.CheckAsync(request with { ApprovalId = asked.ApprovalId })).Effect);

        await using (var operatorPage = await fixture.OpenAsync(second.HttpBase))
        {
            await operatorPage.SignInAsync(tokens["ops"]);
            await operatorPage.Page.GotoAsync("/console/#/fleet/acme");
            await operatorPage.Page.GetByRole(AriaRole.Button, new() { Name = "Revoke acme/bank" }).ClickAsync();
            await operatorPage.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Revoke credential" }).ClickAsync();
            await Expect(operatorPage.Page.Locator(".outcome")).ToContainTextAsync("Credential acme/bank revoked: done. Fleet receipt: 2 of 2 silos acknowledged");
            Assert.Empty(operatorPage.Errors);
        }

        var denied = await gate.CheckAsync(request with { RequestId = "po-2" });
        Assert.Equal(ReasonCode.CredentialRevoked, denied.Reason);
    }
}
