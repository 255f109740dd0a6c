using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Console.Tests.Browser;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Console.Tests;

/// <summary>Sign-in, what each role is shown, and the page's own hygiene: no external assets, labels, headers.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleShellTests(ConsoleFixture mesh)
{
    [BrowserFact]
    public async Task A_wrong_token_is_refused_with_a_message_and_nothing_else_is_shown()
    {
        await using var console = await mesh.OpenAsync();
        await console.Page.GotoAsync("/console/");

        await console.Page.GetByLabel("API token").FillAsync("mesh_ot_notatoken_000000000000");
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(console.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("That token was refused");
        await Expect(console.Page.GetByRole(AriaRole.Navigation)).ToBeHiddenAsync();
        await Expect(console.Page.GetByLabel("API token")).ToBeFocusedAsync();
    }

    [BrowserFact]
    public async Task Each_role_sees_only_its_sections_and_sign_out_forgets_the_token()
    {
        await using var console = await mesh.OpenAsync();
        await console.SignInAsync(mesh.Tokens["ana"]);
        var nav = console.Page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" });
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Approvals" })).ToBeVisibleAsync();
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Fleet" })).ToBeHiddenAsync();
        await Expect(nav.GetByRole(AriaRole.Link, new() { Name = "Audit" })).ToBeHiddenAsync();

        // Typing another section's address does not show it to a role that may not read it.
        await console.Page.GotoAsync("/console/#/audit");
        await Expect(console.Page.GetByRole(AriaRole.Heading, new() { Name = "Approvals inbox" })).ToBeVisibleAsync();
        await Expect(console.Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("#/approvals$"));

        // A reload keeps the tab signed in; signing out forgets the token.
        await console.Page.ReloadAsync();
        await Expect(console.Page.GetByText("ana (approver)")).ToBeVisibleAsync();
        await console.Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(console.Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        Assert.Null(await console.Page.EvaluateAsync<string?>("() => sessionStorage.getItem('mesh.console.token')"));
        await console.Page.ReloadAsync();
        await Expect(console.Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
    }

    [BrowserFact]
    public async Task A_revoked_token_signs_the_console_out_with_the_reason()
    {
        using var admin = mesh.As("admin");
        using var created = await admin.PostAsJsonAsync("v1/tokens", new { name = "temp", roles = new[] { "operator" } });
        created.EnsureSuccessStatusCode();
        var issued = await created.Content.ReadFromJsonAsync<JsonElement>();
        await using var console = await mesh.OpenAsync();
        await console.SignInAsync(issued.GetProperty("token").GetString()!);
        await console.Page.GotoAsync("/console/#/fleet");
        await Expect(console.Page.GetByRole(AriaRole.Table, new() { Name = "Every tenant" })).ToBeVisibleAsync();

        (await admin.DeleteAsync($"v1/tokens/{issued.GetProperty("info").GetProperty("id").GetString()}")).EnsureSuccessStatusCode();

        // The next call the page makes is refused. (Set the address rather than click: a call still in flight from the
        // fleet view may already have signed the page out, which is the same outcome.)
        await console.Page.EvaluateAsync("() => { location.hash = '#/approvals'; }");

        await Expect(console.Page.GetByRole(AriaRole.Alert)).ToContainTextAsync("no longer accepts your token");
    }

    [BrowserFact]
    public async Task The_console_loads_only_its_own_files_labels_every_control_and_is_served_with_a_strict_policy()
    {
        await using var console = await mesh.OpenAsync();
        var response = await console.Page.GotoAsync("/console/");
        var headers = await response!.AllHeadersAsync();
        Assert.Contains("script-src 'self'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("nosniff", headers["x-content-type-options"]);

        // The token field has the focus; the only stop before it is the link that skips to the content.
        await Expect(console.Page.GetByLabel("API token")).ToBeFocusedAsync();
        await console.Page.Keyboard.PressAsync("Shift+Tab");
        await Expect(console.Page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();

        await console.SignInAsync(mesh.Tokens["admin"]);
        foreach (var section in new[] { "approvals", "fleet", "audit" })
        {
            await console.Page.GotoAsync($"/console/#/{section}");
            await Expect(console.Page.Locator("#view h1")).ToBeFocusedAsync();
            await console.Page.WaitForLoadStateAsync(LoadState.NetworkIdle);

            // Every form control has a name a screen reader can say.
            var unlabelled = await console.Page.EvaluateAsync<string[]>("""
                () => [...document.querySelectorAll('input, select, textarea, button')]
                  .filter(e => e.offsetParent !== null)
                  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())
                  .map(e => e.outerHTML)
                """);
            Assert.Empty(unlabelled);
        }

        Assert.Empty(console.Errors);
        Assert.NotEmpty(console.Requested);
        Assert.All(console.Requested, url => Assert.StartsWith(mesh.Mesh.HttpBase.ToString(), url, StringComparison.Ordinal));
    }
}
