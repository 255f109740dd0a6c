using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Console.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Console.Tests;

/// <summary>The fleet view: operators act, every action shows its fleet receipt, and the change holds for runtimes.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class FleetViewTests(ConsoleFixture mesh)
{
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        rules:
          - id: git
            effect: allow
            match: { tools: [git] }
        """;

    [BrowserFact]
    public async Task A_revoke_from_the_fleet_view_shows_its_receipt_and_the_runtime_is_denied_at_once()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var credentialId = $"{tenant}/github";
        using var ops = mesh.As("ops");
        (await ops.PostAsJsonAsync("v1/credentials", new { credentialId, description = "GitHub deploy key", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        var agentToken = await mesh.RegisterAgentAsync($"{tenant}/coder", "ops", credentialId);
        object Push() => new { requestId = Guid.NewGuid().ToString("N"), agentId = $"{tenant}/coder", tool = "git", operation = "push", target = "github.com/acme/app", credentialId };
        Assert.Equal("allow", (await mesh.DecideAsync(agentToken, Push())).GetProperty("effect").GetString());
        await using var console = await mesh.OpenAsync();
        await console.SignInAsync(mesh.Tokens["ops"]);

        await console.Page.GotoAsync($"/console/#/fleet/{tenant}");
        var credentials = console.Page.GetByRole(AriaRole.Table, new() { Name = "Credentials" });
        await Expect(credentials).ToContainTextAsync("GitHub deploy key");
        await Expect(credentials.GetByRole(AriaRole.Row, new() { Name = credentialId })).ToContainTextAsync($"{tenant}/coder");
        await console.Page.GetByRole(AriaRole.Button, new() { Name = $"Revoke {credentialId}" }).ClickAsync();
        var dialog = console.Page.GetByRole(AriaRole.Dialog, new() { Name = $"Revoke {credentialId}?" });
        await dialog.GetByLabel("Reason (recorded in the audit trail)").FillAsync("key leaked in a build log");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Revoke credential" }).ClickAsync();

        await Expect(console.Page.Locator(".outcome")).ToContainTextAsync($"Credential {credentialId} revoked: done. Fleet receipt: 1 of 1 silos acknowledged in");
        await Expect(credentials.GetByRole(AriaRole.Row, new() { Name = credentialId })).ToContainTextAsync("revoked");
        var denied = await mesh.DecideAsync(agentToken, Push());
        Assert.Equal("deny", denied.GetProperty("effect").GetString());
        Assert.Equal("credential_revoked", denied.GetProperty("reason").GetString());

        using var admin = mesh.As("admin");
        var records = await admin.GetFromJsonAsync<JsonElement>($"v1/audit/records?tenant={tenant}&kind=operator_action&order=desc&limit=5");
        var revoke = records.GetProperty("records").EnumerateArray().First(r => r.GetProperty("detail").GetProperty("action").GetString() == "credential.revoke");
        Assert.Equal("ops", revoke.GetProperty("actor").GetString());
        Assert.Equal("key leaked in a build log", revoke.GetProperty("detail").GetProperty("reason").GetString());
        Assert.Empty(console.Errors);
    }

    [BrowserFact]
    public async Task The_emergency_stop_is_guarded_by_typing_stop_and_its_receipt_is_shown()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentToken = await mesh.RegisterAgentAsync($"{tenant}/coder");
        await using var console = await mesh.OpenAsync();
        await console.SignInAsync(mesh.Tokens["ops"]);
        await console.Page.GotoAsync("/console/#/fleet");
        try
        {
            await console.Page.GetByRole(AriaRole.Button, new() { Name = "Engage emergency stop…" }).ClickAsync();
            var dialog = console.Page.GetByRole(AriaRole.Dialog, new() { Name = "Engage the emergency stop?" });
            var engage = dialog.GetByRole(AriaRole.Button, new() { Name = "Engage emergency stop" });
            await Expect(engage).ToBeDisabledAsync();
            await dialog.GetByLabel("Type STOP to confirm").FillAsync("stop");
            await Expect(engage).ToBeDisabledAsync();
            await dialog.GetByLabel("Type STOP to confirm").FillAsync("STOP");
            await dialog.GetByLabel("Reason (recorded in the audit trail)").FillAsync("drill");
            await engage.ClickAsync();

            await Expect(console.Page.Locator(".outcome")).ToContainTextAsync("Emergency stop engaged: done. Fleet receipt: 1 of 1 silos acknowledged");
            await Expect(console.Page.Locator(".panel.stop")).ToContainTextAsync("ENGAGED");
            var stopped = await mesh.DecideAsync(agentToken, new { requestId = "r1", agentId = $"{tenant}/coder", tool = "git", operation = "clone", target = "x" });
            Assert.Equal("emergency_stop", stopped.GetProperty("reason").GetString());

            await console.Page.GetByRole(AriaRole.Button, new() { Name = "Release emergency stop…" }).ClickAsync();
            await console.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Release" }).ClickAsync();
            await Expect(console.Page.Locator(".panel.stop")).ToContainTextAsync("Released");
            var allowed = await mesh.DecideAsync(agentToken, new { requestId = "r2", agentId = $"{tenant}/coder", tool = "git", operation = "clone", target = "x" });
            Assert.Equal("allow", allowed.GetProperty("effect").GetString());
        }
        finally
        {
            // Other tests share this silo: never leave the fleet stopped.
            using var ops = mesh.As("ops");
            (await ops.DeleteAsync("v1/emergency-stop")).EnsureSuccessStatusCode();
        }
    }

    [BrowserFact]
    public async Task An_operator_pauses_and_resumes_an_agent_and_an_auditor_sees_the_fleet_without_buttons()
    {
        var tenant = await mesh.NewTenantAsync(Policy);
        var agentId = $"{tenant}/coder";
        await mesh.RegisterAgentAsync(agentId);
        await using var console = await mesh.OpenAsync();
        await console.SignInAsync(mesh.Tokens["ops"]);
        await console.Page.GotoAsync($"/console/#/fleet/{tenant}");

        await console.Page.GetByRole(AriaRole.Button, new() { Name = $"Pause {agentId}" }).ClickAsync();
        await console.Page.GetByRole(AriaRole.Dialog).GetByLabel("Reason (recorded in the audit trail)").FillAsync("investigating");
        await console.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Pause agent" }).ClickAsync();
        var agents = console.Page.GetByRole(AriaRole.Table, new() { Name = "Agents" });
        await Expect(agents.GetByRole(AriaRole.Row, new() { Name = agentId })).ToContainTextAsync("paused investigating (by ops)");
        await Expect(console.Page.Locator(".outcome")).ToContainTextAsync("silos acknowledged");

        await console.Page.GetByRole(AriaRole.Button, new() { Name = $"Resume {agentId}" }).ClickAsync();
        await Expect(agents.GetByRole(AriaRole.Row, new() { Name = agentId })).ToContainTextAsync("active");

        await using var auditor = await mesh.OpenAsync();
        await auditor.SignInAsync(mesh.Tokens["aldo"]);
        await auditor.Page.GotoAsync($"/console/#/fleet/{tenant}");
        await Expect(auditor.Page.GetByRole(AriaRole.Table, new() { Name = "Agents" })).ToContainTextAsync(agentId);
        await Expect(auditor.Page.GetByText("Read-only: your role can see the fleet but not change it.")).ToBeVisibleAsync();
        await Expect(auditor.Page.Locator("#view")).Not.ToContainTextAsync("null");
        await Expect(auditor.Page.GetByRole(AriaRole.Button, new() { Name = $"Pause {agentId}" })).ToHaveCountAsync(0);
        await Expect(auditor.Page.GetByRole(AriaRole.Button, new() { Name = "Engage emergency stop…" })).ToHaveCountAsync(0);
    }
}
