using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// Keeps this silo's view current: loads the whole control-plane record as soon as the silo is active (decisions
/// wait for it), then every <see cref="MeshGrainOptions.ControlPlaneRenewInterval"/> asks the control plane for what
/// changed since the view's epoch. Each successful round renews the lease from the moment it was sent; a silo that
/// cannot complete a round for <see cref="MeshGrainOptions.ControlPlaneLease"/> stops trusting its view.
/// </summary>
internal sealed partial class ControlPlaneLease(
    IGrainFactory grains,
    ControlViewUpdater updater,
    SiloControlView view,
    IOptions<MeshGrainOptions> options,
    ILogger<ControlPlaneLease> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private static readonly TimeSpan FirstLoadRetry = TimeSpan.FromMilliseconds(100);

    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(ControlPlaneLease), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var settings = options.Value;
        var clock = settings.LeaseTimeProvider;
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var startedAt = clock.GetUtcNow();
            try
            {
                var sync = await grains.GetGrain<IControlPlaneGrain>(IControlPlaneGrain.Key).Sync(view.Epoch);
                await updater.ApplyAsync(sync, startedAt);
                if (failures > 0)
                {
                    LogInformationRecovered(logger, failures, view.Epoch);
                }

                failures = 0;
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                // The first failure and then one in ten: a cut-off silo must not flood its log every second.
                if (failures++ % 10 == 0)
                {
                    LogWarningRenewFailed(logger, ex, failures, view.ConfirmedAt);
                }
            }

            try
            {
                // Until the first load the retry runs on real time: a test's frozen lease clock must not stall startup.
                await (view.Loaded.IsCompleted
                    ? Task.Delay(settings.ControlPlaneRenewInterval, clock, stopping)
                    : Task.Delay(FirstLoadRetry, stopping));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not confirm the control-plane view ({Failures} failures in a row; last confirmed {ConfirmedAt})")]
    private static partial void LogWarningRenewFailed(ILogger logger, Exception exception, int failures, DateTimeOffset? confirmedAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Control-plane view confirmed again after {Failures} failures, at epoch {Epoch}")]
    private static partial void LogInformationRecovered(ILogger logger, int failures, long epoch);
}
