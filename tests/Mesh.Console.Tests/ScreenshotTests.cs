using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Console.Tests.Browser;
using Mesh.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Console.Tests;

/// <summary>
/// Renders the console's main pages against a fresh silo with a small, realistic fleet, and saves them as PNG files.
/// In every test run the pages must render; with <c>MESH_SCREENSHOTS=docs/images</c> the pictures in the
/// documentation are regenerated (see docs/CONSOLE.md):
/// <code>MESH_SCREENSHOTS=$PWD/docs/images dotnet test tests/Mesh.Console.Tests --filter Screenshots</code>
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ScreenshotTests(ConsoleFixture fixture)
{
    private const string Policy = """
        apiVersion: mesh/v1
        kind: Policy
        description: acme's release and payment agents
        rules:
          - id: repositories
            description: Release agents may work on acme's repositories.
            effect: allow
            match: { tools: [git], targets: ["github.com/acme/*"] }
          - id: payments-over-limit
            description: Outgoing payments need a person from finance; the owner of the agent may not approve.
            effect: require_approval
            match: { tools: [payments] }
            approval: { groups: [finance], quorum: 1, expires_after: 4h }
          - id: no-shell
            effect: deny
            match: { tools: [shell] }
        """;

    [BrowserFact]
    public async Task Screenshots_of_the_main_pages()
    {
        var configured = Environment.GetEnvironmentVariable("MESH_SCREENSHOTS") is { Length: > 0 } path ? Path.GetFullPath(path) : null;
        var folder = configured ?? Directory.CreateTempSubdirectory("mesh-screenshots-").FullName;
        Directory.CreateDirectory(folder);
        try
        {
            await CaptureAsync(folder);
        }
        finally
        {
            if (configured is null)
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private async Task CaptureAsync(string folder)
    {
        await using var mesh = await EmbeddedMesh.StartAsync();
        var tokens = await SetUpFleetAsync(mesh);

        await using (var console = await fixture.OpenAsync(mesh.HttpBase))
        {
            await console.Page.GotoAsync("/console/");
            await Expect(console.Page.GetByLabel("API token")).ToBeFocusedAsync();
            await SaveAsync(console.Page, folder, "console-sign-in.png");

            await console.SignInAsync(tokens["ana"]);
            var card = console.Page.Locator("article.approval");
            await Expect(card.Locator("pre.arguments")).ToContainTextAsync("DE89370400440532013000");
            await card.GetByText("Recent decisions of acme/payments-agent").ClickAsync();
            await Expect(card.Locator("ol.recent li")).Not.ToHaveCountAsync(0);
            await card.GetByLabel("Comment (recorded with your vote)").FillAsync("Matches invoice 2026-118.");
            await SaveAsync(console.Page, folder, "console-approvals.png");
        }

        await using (var console = await fixture.OpenAsync(mesh.HttpBase))
        {
            await console.SignInAsync(tokens["ops"]);
            await console.Page.GotoAsync("/console/#/fleet/acme");
            await console.Page.GetByRole(AriaRole.Button, new() { Name = "Suspend acme/stripe" }).ClickAsync();
            await console.Page.GetByRole(AriaRole.Dialog).GetByLabel("Reason (recorded in the audit trail)").FillAsync("rotating the key");
            await console.Page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Suspend credential" }).ClickAsync();
            await Expect(console.Page.Locator(".outcome")).ToContainTextAsync("silos acknowledged");
            await Expect(console.Page.GetByRole(AriaRole.Table, new() { Name = "Credentials" }).GetByRole(AriaRole.Row, new() { Name = "acme/stripe" })).ToContainTextAsync("suspended");
            await SaveAsync(console.Page, folder, "console-fleet.png");
        }

        await using (var console = await fixture.OpenAsync(mesh.HttpBase))
        {
            await console.SignInAsync(tokens["aldo"]);
            await console.Page.GotoAsync("/console/#/audit");
            await console.Page.GetByLabel("Tenant").FillAsync("acme");
            await console.Page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            var records = console.Page.GetByRole(AriaRole.Table, new() { Name = "Matching records" });
            await records.GetByRole(AriaRole.Row).Filter(new() { HasText = "Allowed" }).First.GetByRole(AriaRole.Button, new() { Name = "Details of" }).ClickAsync();
            await console.Page.GetByRole(AriaRole.Button, new() { Name = "Verify the audit trail" }).ClickAsync();
            await Expect(console.Page.Locator(".verify-result")).ToContainTextAsync("Verified:");
            await SaveAsync(console.Page, folder, "console-audit.png");
        }

        foreach (var name in new[] { "console-sign-in.png", "console-approvals.png", "console-fleet.png", "console-audit.png" })
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(folder, name));
            Assert.True(bytes.Length > 1000 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', $"{name} is not a PNG picture");
        }
    }

    private static async Task SaveAsync(IPage page, string folder, string name)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = true, Animations = ScreenshotAnimations.Disabled, Caret = ScreenshotCaret.Hide });
    }

    // A small fleet that shows every part of the console: two tenants, agents with credentials, decisions of every
    // effect, a paused agent, and a payment waiting for finance.
    private static async Task<Dictionary<string, string>> SetUpFleetAsync(EmbeddedMesh mesh)
    {
        var tokens = await ConsoleFixture.CreateTokensAsync(mesh, ("ops", "operator", []), ("ana", "approver", ["finance"]), ("aldo", "auditor", []));
        using var ops = mesh.Http(tokens["ops"]);
        foreach (var tenant in new[] { "acme", "globex" })
        {
            (await ops.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(Policy, Encoding.UTF8, "application/yaml"))).EnsureSuccessStatusCode();
        }

        (await ops.PostAsJsonAsync("v1/credentials", new { credentialId = "acme/github", description = "GitHub deploy key (acme org)", scopes = new[] { new { tools = new[] { "git" } } } })).EnsureSuccessStatusCode();
        (await ops.PostAsJsonAsync("v1/credentials", new { credentialId = "acme/stripe", description = "Payments API key", scopes = new[] { new { tools = new[] { "payments" } } } })).EnsureSuccessStatusCode();
        var release = await RegisterAsync(ops, "acme/release-bot", "dana", "acme/github");
        var payments = await RegisterAsync(ops, "acme/payments-agent", "dana", "acme/stripe");
        await RegisterAsync(ops, "globex/crawler", "lee");
        (await ops.PostAsJsonAsync("v1/agents/globex/crawler/pause", new { reason = "crawling too fast" })).EnsureSuccessStatusCode();

        using var releaseRuntime = mesh.Http(release);
        using var paymentsRuntime = mesh.Http(payments);
        for (var i = 0; i < 3; i++)
        {
            await DecideAsync(releaseRuntime, new { requestId = $"push-{i}", agentId = "acme/release-bot", tool = "git", operation = "push", target = "github.com/acme/app", credentialId = "acme/github" });
        }

        await DecideAsync(releaseRuntime, new { requestId = "sh-1", agentId = "acme/release-bot", tool = "shell", operation = "exec", target = "rm -rf build" });
        await DecideAsync(paymentsRuntime, new { requestId = "inv-118", agentId = "acme/payments-agent", tool = "payments", operation = "transfer", target = "https://93.184.215.14/v1/transfers",
            credentialId = "acme/stripe", workflow = "month-end-close", sessionId = "close-2026-11", dataLabels = new[] { "confidential" },
            arguments = """{"amount":48250.00,"currency":"EUR","beneficiary":"Northwind Supplies GmbH","iban":"DE89370400440532013000","reference":"Invoice 2026-118"}""" });
        return tokens;
    }

    private static async Task<string> RegisterAsync(HttpClient ops, string agentId, string owner, params string[] credentials)
    {
        using var response = await ops.PostAsJsonAsync("v1/agents", new { agentId, owner, roles = new[] { "automation" }, credentials });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static async Task DecideAsync(HttpClient runtime, object request)
    {
        using var response = await runtime.PostAsJsonAsync("v1/decide", request);
        response.EnsureSuccessStatusCode();
    }
}
