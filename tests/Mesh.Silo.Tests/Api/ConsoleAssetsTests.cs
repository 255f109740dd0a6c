using System.Net;
using System.Net.Http.Headers;
using Mesh.Testing;

namespace Mesh.Silo.Tests.Api;

/// <summary>How the silo serves the web console's files (the pages themselves are tested in a browser, Mesh.Console.Tests).</summary>
[Collection(ApiCollection.Name)]
public sealed class ConsoleAssetsTests(ApiFixture api)
{
    private HttpClient NoRedirects() => new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = api.Mesh.HttpBase };

    [Theory]
    [InlineData("/")]
    [InlineData("/console")]
    public async Task The_root_and_the_bare_console_path_redirect_to_the_console(string path)
    {
        using var http = NoRedirects();

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/console/", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task The_page_is_served_with_a_strict_content_security_policy_and_revalidates_by_etag()
    {
        using var http = NoRedirects();

        using var page = await http.GetAsync("/console/");
        using var again = new HttpRequestMessage(HttpMethod.Get, "/console/");
        again.Headers.IfNoneMatch.Add(page.Headers.ETag!);
        using var revalidated = await http.SendAsync(again);
        using var script = await http.GetAsync("/console/js/app.js");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-referrer", page.Headers.GetValues("Referrer-Policy").Single());
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        Assert.NotEqual(page.Headers.ETag, script.Headers.ETag);
    }

    [Theory]
    [InlineData("/console/missing.js")]
    [InlineData("/console/..%2FMesh.Silo.dll")]
    [InlineData("/console/js/../../appsettings.json")]
    public async Task A_file_the_console_does_not_have_is_a_404(string path)
    {
        using var http = NoRedirects();

        using var response = await http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task The_console_can_be_turned_off()
    {
        await using var mesh = await EmbeddedMesh.StartAsync(null, "--Mesh:Console", "false");
        using var http = mesh.Http();

        using var response = await http.GetAsync("/console/");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(new MediaTypeHeaderValue("application/problem+json").MediaType, response.Content.Headers.ContentType?.MediaType);
    }
}
