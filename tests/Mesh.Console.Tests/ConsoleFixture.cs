using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Mesh.Console.Tests.Browser;
using Mesh.Testing;
using Microsoft.Playwright;

namespace Mesh.Console.Tests;

/// <summary>
/// One real embedded silo on loopback (its HTTP port serves the console), an API token per person, and one headless
/// Chromium shared by the collection (starting a browser per test would cost more than the tests on two cores).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    public EmbeddedMesh Mesh { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>API tokens by person: admin, ops (operator, owns the agents), ana and ben (approvers in finance), aldo (auditor).</summary>
    public Dictionary<string, string> Tokens { get; } = [];

    public async Task InitializeAsync()
    {
        if (Chromium.SkipReason is not null)
        {
            return;
        }

        Mesh = await EmbeddedMesh.StartAsync(null, "--Mesh:FreeAuthFailures", "100000");
        Tokens["admin"] = Mesh.AdminToken;
        foreach (var (person, token) in await CreateTokensAsync(Mesh, ("ops", "operator", []), ("ana", "approver", ["finance"]), ("ben", "approver", ["finance"]), ("aldo", "auditor", ["finance"])))
        {
            Tokens[person] = token;
        }

        // Two cores run every test assembly at once in CI: give assertions the same patience as actions.
        Assertions.SetDefaultExpectTimeout(20_000);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium.Require(), Headless = true });
    }

    public HttpClient As(string person) => Mesh.Http(Tokens[person]);

    /// <summary>Creates an API token per person with the mesh's admin token; returns them by person.</summary>
    public static async Task<Dictionary<string, string>> CreateTokensAsync(EmbeddedMesh mesh, params (string Person, string Role, string[] Groups)[] people)
    {
        using var admin = mesh.Http(mesh.AdminToken);
        var tokens = new Dictionary<string, string>();
        foreach (var (person, role, groups) in people)
        {
            using var created = await admin.PostAsJsonAsync("v1/tokens", new { name = person, roles = new[] { role }, groups });
            created.EnsureSuccessStatusCode();
            tokens[person] = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
        }

        return tokens;
    }

    /// <summary>
    /// A fresh browser context (its own session storage, so its own sign-in) on the silo, recording every URL the
    /// page asks for: the console must never reach past its own silo.
    /// </summary>
    public async Task<ConsolePage> OpenAsync(Uri? silo = null)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = (silo ?? Mesh.HttpBase).ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            ColorScheme = ColorScheme.Light,
            TimezoneId = "UTC",
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        var console = new ConsolePage(context, page);
        page.Request += (_, request) => console.Requested.Add(request.Url);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                console.Errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => console.Errors.Add(error);
        return console;
    }

    /// <summary>A new tenant with a policy, as the operator would set it up; returns its id.</summary>
    public async Task<string> NewTenantAsync(string policy)
    {
        var tenant = "t" + Guid.NewGuid().ToString("N")[..10];
        using var ops = As("ops");
        using var response = await ops.PutAsync($"v1/tenants/{tenant}/policy", new StringContent(policy, Encoding.UTF8, "application/yaml"));
        response.EnsureSuccessStatusCode();
        return tenant;
    }

    /// <summary>Registers an agent (owned by ops unless said otherwise); returns its token.</summary>
    public async Task<string> RegisterAgentAsync(string agentId, string owner = "ops", params string[] credentials)
    {
        using var ops = As("ops");
        using var response = await ops.PostAsJsonAsync("v1/agents", new { agentId, owner, roles = new[] { "payer" }, credentials });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>Asks for a decision over HTTP as the agent's runtime does; returns the decision document.</summary>
    public async Task<JsonElement> DecideAsync(string agentToken, object request)
    {
        using var runtime = Mesh.Http(agentToken);
        using var response = await runtime.PostAsJsonAsync("v1/decide", request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (Mesh is not null)
        {
            await Mesh.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ConsoleCollection : ICollectionFixture<ConsoleFixture>
{
    public const string Name = "console";
}

/// <summary>A page of the console in its own browser context, with what it requested and any script errors.</summary>
public sealed class ConsolePage(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Requested { get; } = [];

    public List<string> Errors { get; } = [];

    /// <summary>Signs in with a token the way a person does: the form, the button, then the signed-in header.</summary>
    public async Task SignInAsync(string token)
    {
        await Page.GotoAsync("/console/");
        await Page.GetByLabel("API token").FillAsync(token);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(Page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
    }

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
