using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Mesh.Client.Connection;

/// <summary>
/// What the SDK knows about its way to the mesh: which gateways it tries, why the last attempt failed, whether the
/// connection was lost. It writes the warnings an operator needs (rate-limited) and the message of every fail-closed
/// deny, so a wrong or dead gateway is named where the application looks, not only in a silo's log.
/// </summary>
internal sealed partial class GatewayHealth
{
    /// <summary>The shortest time between two warnings of one kind.</summary>
    public static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private const int MaxCauseLength = 200;

    private readonly ILogger _logger;
    private readonly TimeSpan _retryDelay;
    private readonly ReportThrottle _unreachableWarnings;
    private readonly ReportThrottle _failedClosedWarnings;
    private volatile string? _lastFailure;
    private volatile bool _connected;
    private volatile bool _lost;
    private int _failedAttempts;

    /// <param name="gateways">How messages name the gateways (<see cref="Describe"/>).</param>
    /// <param name="retryDelay">The pause between connection attempts, for the warning.</param>
    /// <param name="logger">Where warnings go.</param>
    /// <param name="time">The clock that spaces warnings.</param>
    /// <param name="connected">True for a client the application connected itself.</param>
    public GatewayHealth(string gateways, TimeSpan retryDelay, ILogger logger, TimeProvider time, bool connected = false)
    {
        Gateways = gateways;
        _connected = connected;
        _retryDelay = retryDelay;
        _logger = logger;
        _unreachableWarnings = new ReportThrottle(time, WarningInterval);
        _failedClosedWarnings = new ReportThrottle(time, WarningInterval);
    }

    /// <summary>The gateways as a person reads them: "gateway 127.0.0.1:40000", "gateways a:1, b:2", or where they come from.</summary>
    public string Gateways { get; }

    /// <summary>Connection attempts that failed so far.</summary>
    public int FailedAttempts => Volatile.Read(ref _failedAttempts);

    /// <summary>Describes static gateways for messages.</summary>
    public static string Describe(IReadOnlyList<GatewayEndpoint> gateways) =>
        (gateways.Count == 1 ? "gateway " : "gateways ") + string.Join(", ", gateways);

    /// <summary>A connection attempt failed (the Orleans client's retry filter saw it); the client tries again after the retry delay.</summary>
    public void ConnectAttemptFailed(Exception exception)
    {
        var cause = Cause(exception);
        _lastFailure = cause;
        var attempts = Interlocked.Increment(ref _failedAttempts);
        if (_unreachableWarnings.ShouldReport(out _))
        {
            LogWarningGatewayUnreachable(_logger, Gateways, cause, attempts, _retryDelay.TotalSeconds);
        }
    }

    /// <summary>The client connected.</summary>
    public void Connected()
    {
        _connected = true;
        _lost = false;
        _unreachableWarnings.Reset();
        LogInformationConnected(_logger, Gateways, Volatile.Read(ref _failedAttempts));
    }

    /// <summary>The client gave up connecting (it only does when the retry filter says stop).</summary>
    public void ConnectGaveUp(Exception exception) => LogErrorConnectGaveUp(_logger, exception, Gateways);

    /// <summary>The connected client lost every gateway.</summary>
    public void ConnectionLost()
    {
        _lost = true;
        if (_unreachableWarnings.ShouldReport(out _))
        {
            LogWarningConnectionLost(_logger, Gateways);
        }
    }

    /// <summary>The number of connected gateways changed; <paramref name="recovered"/> when it rose from none.</summary>
    public void GatewayCountChanged(int connected, bool recovered)
    {
        if (recovered && _lost)
        {
            _lost = false;
            _unreachableWarnings.Reset();
            LogInformationReconnected(_logger, Gateways, connected);
        }
    }

    /// <summary>A call was answered by the SDK itself with a fail-closed result.</summary>
    public void FailedClosed(string agentId, string? requestId, string why)
    {
        if (!_failedClosedWarnings.ShouldReport(out var held))
        {
            return;
        }

        if (held == 0)
        {
            LogWarningFailedClosed(_logger, agentId, requestId, why);
        }
        else
        {
            LogWarningFailedClosedAgain(_logger, agentId, requestId, why, held);
        }
    }

    /// <summary>The message of a fail-closed answer: which gateways were tried and what happened.</summary>
    public string Unavailable(Exception exception, TimeSpan timeout)
    {
        var seconds = timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        if (!_connected)
        {
            return $"No mesh gateway answered within {seconds} s (tried {Gateways}: {_lastFailure ?? "no answer yet"}), so the SDK denies (fail closed).";
        }

        if (_lost)
        {
            return $"No mesh gateway answered within {seconds} s (tried {Gateways}: the connection was lost), so the SDK denies (fail closed).";
        }

        return exception is OperationCanceledException or TimeoutException
            ? $"The mesh did not answer within {seconds} s (through {Gateways}), so the SDK denies (fail closed)."
            : $"The mesh could not be reached through {Gateways} ({exception.GetType().Name}), so the SDK denies (fail closed).";
    }

    // The innermost exception says what went wrong on the wire ("Connection refused"); its message is kept to one
    // short line. Exception messages from connecting hold addresses and database errors, never the connection string.
    private static string Cause(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var text = string.Join(' ', inner.Message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        if (text.Length == 0)
        {
            text = inner.GetType().Name;
        }

        return text.Length > MaxCauseLength ? text[..MaxCauseLength] + "…" : text;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No mesh gateway answered: tried {Gateways} ({Cause}); {FailedAttempts} failed attempt(s) so far. Decisions are denied with mesh_unavailable until one answers; retrying every {RetrySeconds} s")]
    private static partial void LogWarningGatewayUnreachable(ILogger logger, string gateways, string cause, int failedAttempts, double retrySeconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to the mesh through {Gateways} ({FailedAttempts} failed attempt(s) before)")]
    private static partial void LogInformationConnected(ILogger logger, string gateways, int failedAttempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "The mesh client stopped trying to connect to {Gateways}; every decision is denied with mesh_unavailable")]
    private static partial void LogErrorConnectGaveUp(ILogger logger, Exception exception, string gateways);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost the connection to the mesh ({Gateways}); decisions are denied with mesh_unavailable until a gateway answers again")]
    private static partial void LogWarningConnectionLost(ILogger logger, string gateways);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reconnected to the mesh through {Gateways} ({ConnectedGateways} connected)")]
    private static partial void LogInformationReconnected(ILogger logger, string gateways, int connectedGateways);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed closed for agent {AgentId} (request {RequestId}): {Why}")]
    private static partial void LogWarningFailedClosed(ILogger logger, string agentId, string? requestId, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed closed for agent {AgentId} (request {RequestId}): {Why} ({Held} more failed closed since the previous warning)")]
    private static partial void LogWarningFailedClosedAgain(ILogger logger, string agentId, string? requestId, string why, int held);
}
