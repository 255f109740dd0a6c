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
public sealed partial class MeshGate : IMeshGate
{
    private static readonly TimeSpan MaxServerWait = TimeSpan.FromSeconds(20);

    private readonly MeshGateOptions _options;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource<IClusterClient> _client = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _disposing = new();
    private readonly IHost? _host;
    private readonly GrainKind<IAgentGrain> _agents = new();
    private readonly GrainKind<Contracts.Diagnostics.IPingGrain> _pings = new();
    private Task _connecting = Task.CompletedTask;
    private bool? _clientBoundsCalls;

    private MeshGate(MeshGateOptions options, ILogger? logger, IHost? host)
    {
        _options = options;
        _logger = logger ?? NullLogger.Instance;
        _host = host;
    }

    /// <summary>Creates a gate with its own Orleans client and starts connecting in the background.</summary>
    public static MeshGate Create(MeshGateOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
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
                client.UseStaticClustering(options.ParseGateways());
            }

            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = options.DecisionTimeout);
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
            });

            // Keep trying until the gate is disposed: decisions made meanwhile fail closed on their own timeout.
            client.UseConnectionRetryFilter(async (_, cancellationToken) =>
            {
                await Task.Delay(options.ReconnectDelay, cancellationToken);
                return !cancellationToken.IsCancellationRequested;
            });
        });

        var gate = new MeshGate(options, loggerFactory?.CreateLogger<MeshGate>(), builder.Build());
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
        var gate = new MeshGate(options, logger, host: null);
        gate._client.SetResult(client);
        return gate;
    }

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
            LogWarningUnavailable(_logger, ex, agentId, approvalId);
            return new ApprovalWaitResult { ApprovalId = approvalId, Status = ApprovalStatus.Unknown, Error = Unavailable(ex) };
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
            LogWarningUnavailable(_logger, ex, agentId, id);
            return unavailable(Unavailable(ex));
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

    private string Unavailable(Exception ex) => ex is OperationCanceledException or TimeoutException
        ? $"The mesh did not answer within {_options.DecisionTimeout.TotalSeconds:0.###} s, so the SDK denies (fail closed)."
        : $"The mesh could not be reached ({ex.GetType().Name}), so the SDK denies (fail closed).";

    private async Task ConnectAsync()
    {
        try
        {
            await _host!.StartAsync(_disposing.Token).ConfigureAwait(false);
            _client.TrySetResult(_host.Services.GetRequiredService<IClusterClient>());
        }
        catch (OperationCanceledException) when (_disposing.IsCancellationRequested)
        {
            _client.TrySetCanceled(_disposing.Token);
        }
        catch (Exception ex)
        {
            LogErrorConnectFailed(_logger, ex);
            _client.TrySetException(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mesh unavailable for agent {AgentId} ({Id}); failing closed")]
    private static partial void LogWarningUnavailable(ILogger logger, Exception exception, string agentId, string? id);

    [LoggerMessage(Level = LogLevel.Error, Message = "The mesh client stopped trying to connect")]
    private static partial void LogErrorConnectFailed(ILogger logger, Exception exception);
}
