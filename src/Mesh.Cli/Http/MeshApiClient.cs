using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Mesh.Cli.Http;

/// <summary>Calls the Mesh HTTP API and turns its answers into JSON or typed failures.</summary>
internal sealed class MeshApiClient(Uri baseAddress, string? token, TimeSpan timeout) : IDisposable
{
    private readonly HttpClient _http = CreateHttp(baseAddress, token, timeout);

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    /// <summary>GETs a text resource (a policy document).</summary>
    public async Task<string> GetTextAsync(string path, CancellationToken cancellationToken)
    {
        var text = await SendRawAsync(HttpMethod.Get, path, null, cancellationToken, null);
        return text;
    }

    /// <summary>
    /// GETs a JSON Lines stream (audit tail and export) and yields each line as it arrives, until the mesh ends the
    /// stream. No timeout applies once the stream has started; a broken connection is a <see cref="MeshUnreachableException"/>.
    /// </summary>
    /// <param name="path">The stream's path and query.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    /// <param name="connected">Called once the mesh has accepted the request, before the first line.</param>
    public async IAsyncEnumerable<string> GetLinesAsync(string path, [EnumeratorCancellation] CancellationToken cancellationToken, Action? connected = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path.TrimStart('/'));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/x-ndjson"));
        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await ThrowForStatusAsync(response, cancellationToken);
        }

        connected?.Invoke();

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        while (true)
        {
            string? line;
            try
            {
                line = await reader.ReadLineAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                cancellationToken.ThrowIfCancellationRequested();
                throw new MeshUnreachableException($"The connection to the mesh at {_http.BaseAddress} broke: {ex.Message}", ex);
            }

            if (line is null)
            {
                yield break;
            }

            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }

    public Task<JsonElement> DeleteAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, body is null ? null : JsonContent(body), cancellationToken);

    public Task<JsonElement> PostAsync(string path, object? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body is null ? null : JsonContent(body), cancellationToken);

    public Task<JsonElement> PutYamlAsync(string path, string yaml, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, path, new StringContent(yaml, Encoding.UTF8, "application/yaml"), cancellationToken);

    /// <summary>Posts with a different bearer token (an agent token, for the runtime endpoints).</summary>
    public Task<JsonElement> PostAsAgentAsync(string path, object body, string agentToken, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, JsonContent(body), cancellationToken, agentToken);

    public void Dispose() => _http.Dispose();

    private static HttpClient CreateHttp(Uri baseAddress, string? token, TimeSpan timeout)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = timeout };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return http;
    }

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body, CliJson.Options), Encoding.UTF8, "application/json");

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? bearer = null)
    {
        var text = await SendRawAsync(method, path, content, cancellationToken, bearer);
        return text.Length == 0 ? default : JsonDocument.Parse(text, CliJson.Reading).RootElement.Clone();
    }

    private async Task<string> SendRawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken, string? bearer)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/')) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await ThrowForStatusAsync(response, cancellationToken);
        }

        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new MeshUnreachableException($"Cannot reach the mesh at {_http.BaseAddress}: {ex.Message}");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MeshUnreachableException($"The mesh at {_http.BaseAddress} did not answer within {_http.Timeout.TotalSeconds:0} s.");
        }
    }

    private static async Task ThrowForStatusAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if ((int)response.StatusCode >= 500 && response.StatusCode != HttpStatusCode.NotImplemented)
        {
            throw new MeshUnreachableException($"The mesh failed to handle the request ({(int)response.StatusCode}): {Describe(text)}");
        }

        throw MeshApiException.From((int)response.StatusCode, text);
    }

    private static string Describe(string problem)
    {
        try
        {
            using var document = JsonDocument.Parse(problem, CliJson.Reading);
            return document.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? problem : problem;
        }
        catch (JsonException)
        {
            return problem;
        }
    }
}

/// <summary>The mesh answered with a problem document (4xx): it refused the call.</summary>
internal sealed class MeshApiException : Exception
{
    public MeshApiException(int status, string code, string detail)
        : base(detail)
    {
        Status = status;
        Code = code;
    }

    public MeshApiException()
    {
        Code = "unknown";
    }

    public MeshApiException(string message)
        : base(message)
    {
        Code = "unknown";
    }

    public MeshApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = "unknown";
    }

    public int Status { get; }

    public string Code { get; }

    public static MeshApiException From(int status, string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, CliJson.Reading);
            var root = document.RootElement;
            var code = root.TryGetProperty("code", out var c) ? c.GetString() ?? "error" : "error";
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() ?? body : body;
            return new MeshApiException(status, code, detail);
        }
        catch (JsonException)
        {
            return new MeshApiException(status, "error", string.IsNullOrWhiteSpace(body) ? $"HTTP {status}" : body);
        }
    }
}

/// <summary>The mesh could not be reached, timed out or failed (exit code 3).</summary>
internal sealed class MeshUnreachableException : Exception
{
    public MeshUnreachableException(string message)
        : base(message)
    {
    }

    public MeshUnreachableException()
    {
    }

    public MeshUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The command line is unusable (exit code 2).</summary>
internal sealed class UsageException : Exception
{
    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException()
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
