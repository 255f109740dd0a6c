using Mesh.Client.Connection;
using Mesh.Contracts.Agents;
using Mesh.Contracts.Approvals;
using Mesh.Contracts.Decisions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Mesh.Client;

/// <summary>
/// The SDK's <see cref="IMeshGate"/>. It owns an Orleans client that connects in the background and keeps
/// reconnecting, so creating a gate never blocks and a mesh that is down yields denies, not hangs.
/// </summary>
public sealed class MeshGate : IMeshGate
{
    private static readonly TimeSpan MaxServerWait = TimeSpan.FromSeconds(20);

    private readonly MeshGateOptions _options;
    private readonly GatewayHealth _health;
    private readonly TaskCompletionSource<IClusterClient> _client = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposing = new();
    private readonly IHost? _host;
    private readonly GrainKind<IAgentGrain> _agents = new();
    private readonly GrainKind<Contracts.Diagnostics.IPingGrain> _pings = new();
    private Task _connecting = Task.CompletedTask;
    private bool? _clientBoundsCalls;

    private MeshGate(MeshGateOptions options, GatewayHealth health, IHost? host)
    {
        _options = options;
        _health = health;
        _host = host;
    }

    /// <summary>
    /// Creates a gate that connects to one gateway (<c>host:port</c>, e.g. <c>"10.0.0.5:30000"</c>), with default
    /// options otherwise, and starts connecting in the background.
    /// </summary>
    /// <param name="gateway">A silo's Orleans gateway: the host and its <c>--gateway-port</c>.</param>
    /// <param name="loggerFactory">Where the SDK reports unreachable gateways; see <see cref="Create(MeshGateOptions, ILoggerFactory?)"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="gateway"/> is not <c>host:port</c>, or its host name does not resolve.</exception>
    public static MeshGate Create(string gateway, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        return Create(new MeshGateOptions { Gateways = [gateway] }, loggerFactory);
    }

    /// <summary>Creates a gate that connects to any of <paramref name="gateways"/> (<c>host:port</c> each), with default options otherwise.</summary>
    /// <exception cref="ArgumentException">An entry is not <c>host:port</c>, or the list is empty.</exception>
    public static MeshGate Create(IEnumerable<string> gateways, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(gateways);
        List<string> list = [.. gateways];
        if (list.Count == 0)
        {
            throw new ArgumentException("Name at least one gateway (host:port), or use MeshGate.Create(new MeshGateOptions()) for the default " + MeshGateOptions.DefaultGateway + ".", nameof(gateways));
        }

        return Create(new MeshGateOptions { Gateways = list }, loggerFactory);
    }

    /// <summary>
    /// Creates a gate with its own Orleans client and starts connecting in the background.
    /// </summary>
    /// <param name="options">Where the mesh is and how long to wait; validated here.</param>
    /// <param name="loggerFactory">
    /// Where the SDK (and its Orleans client) logs. An unreachable gateway is a warning naming it, at most once a
    /// minute while it stays down. Without a factory the SDK writes its first warning, and only that, to standard error;
    /// pass <see cref="Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance"/> for silence.
    /// </param>
    /// <exception cref="ArgumentException">The options are invalid, e.g. a gateway is not <c>host:port</c>.</exception>
    public static MeshGate Create(MeshGateOptions options, ILoggerFactory? loggerFactory = null) =>
        Create(options, loggerFactory, Console.Error);

    /// <summary><see cref="Create(MeshGateOptions, ILoggerFactory?)"/> with the writer the fallback warning goes to (tests).</summary>
    internal static MeshGate Create(MeshGateOptions options, ILoggerFactory? loggerFactory, TextWriter standardError)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        GatewayEndpoint[] gateways = options.ClusterConnectionString is null ? options.ParseGateways() : [];
        var health = new GatewayHealth(
            options.ClusterConnectionString is null ? GatewayHealth.Describe(gateways) : "the gateways in the cluster's membership table (ClusterConnectionString)",
            options.ReconnectDelay,
            (ILogger?)loggerFactory?.CreateLogger<MeshGate>() ?? new FirstWarningToStandardError(standardError),
            options.TimeProvider);
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.UseOrleansClient(client =>
        {
            if (options.ClusterConnectionString is { } connectionString)
            {
                client.UseAdoNetClustering(o =>
                {
                    o.Invariant = "Npgsql";
                    o.ConnectionString = connectionString;
                });
            }
            else
            {
                client.UseStaticClustering([.. gateways.Select(g => g.Address)]);
            }

            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.DecisionTimeout);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });

            // Keep trying until the gate is disposed: decisions made meanwhile fail closed on their own timeout, and
            // name the gateways and the last failure.
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return false;
                }

                health.ConnectAttemptFailed(exception);
                await Task.Delay(options.ReconnectDelay, cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
            client.AddClusterConnectionLostHandler((_, _) => health.ConnectionLost());
            client.AddGatewayCountChangedHandler((_, e) => health.GatewayCountChanged(e.NumberOfConnectedGateways, e.ConnectionRecovered));
        });

        var gate = new MeshGate(options, health, builder.Build());
        gate._connecting = gate.ConnectAsync();
        return gate;
    }

    /// <summary>
    /// Wraps an Orleans client the application already runs (it must be connected to the mesh). Calls without a
    /// cancellation token are bounded by that client's response timeout (<c>ClientMessagingOptions.ResponseTimeout</c>),
    /// so set it to the decision timeout you want.
    /// </summary>
    public static MeshGate FromClusterClient(IClusterClient client, MeshGateOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        options ??= new MeshGateOptions();
        options.Validate();
        var gate = new MeshGate(options, new GatewayHealth("the application's Orleans client", options.ReconnectDelay, logger ?? NullLogger.Instance, options.TimeProvider, connected: true), host: null);
        gate._client.SetResult(client);
        return gate;
    }

    /// <summary>What the gate knows about its connection (tests read it).</summary>
    internal GatewayHealth Health => _health;

    /// <summary>The Orleans client once connected, else null (tests read its gateway list).</summary>
    internal IClusterClient? ConnectedClient => _client.Task.IsCompletedSuccessfully ? _client.Task.Result : null;

    /// <summary>Completes when the gate has connected, or throws <see cref="TimeoutException"/>.</summary>
    public async Task WaitUntilConnectedAsync(TimeSpan timeout, CancellationToken cancellationToken = default) =>
        await _client.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public Task<Decision> CheckAsync(ActionRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requestId = request.RequestId ?? string.Empty;
        if (string.IsNullOrEmpty(request.AgentId))
        {
            return Task.FromResult(Decision.Deny(requestId, ReasonCode.BadRequest, "agentId is required.", _options.TimeProvider.GetUtcNow()));
        }

        return CallAsync(
            client => _agents.Get(client, request.AgentId).Decide(request),
            why => Decision.Deny(requestId, ReasonCode.MeshUnavailable, why, _options.TimeProvider.GetUtcNow()),
            request.AgentId,
            requestId,
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<ApprovalWaitResult> WaitForApprovalAsync(string agentId, string agentToken, string approvalId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        ArgumentException.ThrowIfNullOrEmpty(approvalId);
        var time = _options.TimeProvider;
        var until = time.GetUtcNow() + timeout;
        try
        {
            while (true)
            {
                var remaining = until - time.GetUtcNow();
                // Each long poll must end before the client's response timeout (the decision timeout) fails it.
                var cap = _options.DecisionTimeout * 0.8 < MaxServerWait ? _options.DecisionTimeout * 0.8 : MaxServerWait;
                var serverWait = remaining < cap ? remaining : cap;
                if (serverWait < TimeSpan.Zero)
                {
                    serverWait = TimeSpan.Zero;
                }

                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                deadline.CancelAfter(serverWait + _options.DecisionTimeout);
                var client = await _client.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
                var result = await client.GetGrain<IAgentGrain>(agentId).WaitForApproval(agentToken, approvalId, serverWait).WaitAsync(deadline.Token).ConfigureAwait(false);
                if (result.Status != ApprovalStatus.Pending || time.GetUtcNow() >= until)
                {
                    return result;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var why = _health.Unavailable(ex, _options.DecisionTimeout);
            _health.FailedClosed(agentId, approvalId, why);
            return new ApprovalWaitResult { ApprovalId = approvalId, Status = ApprovalStatus.Unknown, Error = why };
        }
    }

    /// <inheritdoc />
    public Task<OutcomeReceipt> ReportOutcomeAsync(OutcomeReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        return CallAsync(
            client => _agents.Get(client, report.AgentId).ReportOutcome(report),
            why => new OutcomeReceipt { Accepted = false, Error = why, ReceivedAt = _options.TimeProvider.GetUtcNow() },
            report.AgentId,
            report.RequestId,
            cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        await _connecting.ConfigureAwait(false);
        if (_host is not null)
        {
            try
            {
                await _host.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping a client that never connected is cancelled; nothing is left running either way.
            }

            _host.Dispose();
        }

        _disposing.Dispose();
    }

    // One call to the mesh within the decision timeout; anything but the caller's own cancellation becomes the
    // fail-closed answer built by `unavailable`. The connected case is the hot path: no timer and no linked
    // cancellation source per call; the Orleans client's response timeout (set to the decision timeout by Create)
    // bounds the wait and fails the call, which becomes a deny. A wrapped client with a longer response timeout gets a
    // deadline per call instead.
    private async Task<T> CallAsync<T>(Func<IClusterClient, Task<T>> call, Func<string, T> unavailable, string agentId, string? id, CancellationToken cancellationToken)
    {
        try
        {
            if (_client.Task.IsCompletedSuccessfully && ClientBoundsCalls(_client.Task.Result))
            {
                // Connected, and the client's response timeout is within the decision timeout: it bounds the call, so
                // only the caller's own token needs watching, and that without a timer.
                var answer = call(_client.Task.Result);
                return await (cancellationToken.CanBeCanceled ? answer.WaitAsync(cancellationToken) : answer).ConfigureAwait(false);
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(_options.DecisionTimeout);
            var client = await _client.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
            return await call(client).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            var why = _health.Unavailable(ex, _options.DecisionTimeout);
            _health.FailedClosed(agentId, id, why);
            return unavailable(why);
        }
    }

    /// <summary>
    /// A no-op call through the same client and fail-closed wrapper as a decision: for health checks, and the raw
    /// baseline load tests compare decisions with. Throws <see cref="TimeoutException"/> when the mesh does not answer.
    /// </summary>
    public Task<long> PingAsync(string key, long value, CancellationToken cancellationToken = default) =>
        CallAsync(
            client => _pings.Get(client, key).Ping(value),
            why => throw new TimeoutException(why),
            key,
            null,
            cancellationToken);

    private bool ClientBoundsCalls(IClusterClient client) => _clientBoundsCalls ??=
        client.ServiceProvider.GetService<IOptions<ClientMessagingOptions>>()?.Value.ResponseTimeout <= _options.DecisionTimeout;

    private async Task ConnectAsync()
    {
        try
        {
            await _host!.StartAsync(_disposing.Token).ConfigureAwait(false);
            _health.Connected();
            _client.TrySetResult(_host.Services.GetRequiredService<IClusterClient>());
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            _client.TrySetCanceled(_disposing.Token);
        }
        catch (Exception ex)
        {
            _health.ConnectGaveUp(ex);
            _client.TrySetException(ex);
        }
    }
}
