using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Mesh.Testing;

/// <summary>An OTLP/HTTP receiver on loopback that keeps every request body by path and answers with a fixed status.</summary>
public sealed class OtlpCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<(string Path, byte[] Body)> _requests = new();
    private readonly HttpStatusCode _status;

    /// <summary>Starts listening on a free loopback port; every request is answered with <paramref name="status"/>.</summary>
    public OtlpCollector(HttpStatusCode status = HttpStatusCode.OK)
    {
        _status = status;
        Endpoint = $"http://127.0.0.1:{FreePorts.Take(1)[0]}";
        _listener.Prefixes.Add(Endpoint + "/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    /// <summary>The collector's base address (<c>http://127.0.0.1:port</c>), the exporter's endpoint.</summary>
    public string Endpoint { get; }

    /// <summary>Whether a request to <paramref name="path"/> carried <paramref name="text"/>: protobuf keeps strings as UTF-8 bytes, verbatim.</summary>
    public bool Received(string path, string text) => Received(path, Encoding.UTF8.GetBytes(text));

    /// <summary>Whether a request to <paramref name="path"/> carried <paramref name="bytes"/>.</summary>
    public bool Received(string path, byte[] bytes) => _requests.Any(r => r.Path == path && r.Body.AsSpan().IndexOf(bytes) >= 0);

    /// <summary>What arrived so far, by path (for a failure message): "/v1/metrics x12, /v1/traces x3".</summary>
    public string Summary() => _requests.IsEmpty
        ? "nothing"
        : string.Join(", ", _requests.GroupBy(r => r.Path).Select(g => $"{g.Key} x{g.Count()}"));

    /// <inheritdoc />
    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            _requests.Enqueue((context.Request.Url!.AbsolutePath, body.ToArray()));

            // An empty protobuf message is a valid (full-success) export response.
            context.Response.StatusCode = (int)_status;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }
}
