using System.Collections.Immutable;
using Mesh.Contracts.Fleet;
using Mesh.Grains.Diagnostics;
using Mesh.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// Carries out a fleet-wide change for its owner grain: commits it to the control plane (durable, with the next
/// epoch), applies it here, pushes it to every other active silo and waits for each to confirm. A silo that does
/// not confirm is retried until it does, until membership drops it, or until its lease must have run out (its last
/// confirmation was before the commit, so from then on it denies with <c>control_plane_stale</c>); the receipt says
/// which. Either way, when this returns no silo allows what the change forbids.
/// </summary>
internal sealed partial class ControlBroadcast(
    IClusterMembershipService membership,
    ILocalSiloDetails localSilo,
    IGrainFactory grains,
    ControlViewUpdater localView,
    MeshMetrics metrics,
    IOptions<MeshGrainOptions> options,
    ILogger<ControlBroadcast> logger)
{
    private static readonly TimeSpan[] Retries = [TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(500)];

    /// <summary>
    /// Commits <paramref name="change"/> to the control plane (the durable point: from here on a silo that syncs sees
    /// it), then saves the owner's own record, then pushes the change to every silo. If the commit fails nothing
    /// changed; if the owner's save fails the owner reloads, and the fleet already obeys the change (fail closed).
    /// </summary>
    public async Task<FleetReceipt> PublishAsync<TState>(IPersistentState<TState> ownerState, IGrainContext owner, ControlChange change)
    {
        var settings = options.Value;
        var clock = settings.LeaseTimeProvider;
        var started = clock.GetTimestamp();
        using var activity = MeshMetrics.StartPublish(change);
        ControlChange committed;
        try
        {
            committed = await grains.GetGrain<IControlPlaneGrain>(IControlPlaneGrain.Key).Commit(change);
        }
        catch (Exception ex)
        {
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, "commit failed");
            owner.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, ex, "control-plane commit failed; reloading from storage"));
            throw;
        }

        // Leases on other silos are measured from a confirmation sent before this point; 10 % covers clock-rate drift.
        var unconfirmedGiveUp = clock.GetUtcNow() + settings.ControlPlaneLease * 1.1 + settings.ControlPlaneRenewInterval;
        await ownerState.WriteOrDiscardAsync(owner);

        // This silo first: decisions here obey even before the round trips below complete.
        await localView.ApplyAsync(committed);
        var confirmed = new HashSet<SiloAddress> { localSilo.SiloAddress };

        for (var attempt = 0; ; attempt++)
        {
            // Recomputed every round: a silo that joined meanwhile is pushed too, one that left is not waited for.
            var pending = ActiveSilos().Where(s => !confirmed.Contains(s)).ToList();
            if (pending.Count == 0 || (attempt > 0 && clock.GetUtcNow() >= unconfirmedGiveUp))
            {
                var live = ActiveSilos();
                var unconfirmed = live.Where(s => !confirmed.Contains(s)).Select(s => s.ToString()).ToImmutableArray();
                if (!unconfirmed.IsEmpty)
                {
                    LogWarningUnconfirmed(logger, committed.Epoch, string.Join(", ", unconfirmed));
                }

                var receipt = new FleetReceipt
                {
                    Epoch = committed.Epoch,
                    SilosAcknowledged = live.Count(confirmed.Contains),
                    SilosLive = live.Count,
                    Elapsed = clock.GetElapsedTime(started),
                    Unconfirmed = unconfirmed,
                };
                metrics.EndPublish(activity, committed, receipt);
                return receipt;
            }

            var results = await Task.WhenAll(pending.Select(async silo =>
            {
                try
                {
                    await grains.GetGrain<ISiloControlGrain>(silo.ToParsableString()).Apply(committed);
                    return (silo, ok: true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWarningPushFailed(logger, ex, silo, committed.Epoch);
                    return (silo, ok: false);
                }
            }));
            confirmed.UnionWith(results.Where(r => r.ok).Select(r => r.silo));
            if (results.All(r => r.ok))
            {
                continue;
            }

            // Real time between retries (a test's frozen lease clock must not stall them).
            await Task.Delay(Retries[Math.Min(attempt, Retries.Length - 1)]);
        }
    }

    private List<SiloAddress> ActiveSilos() =>
        [.. membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control-plane change {Epoch} not confirmed by silo {Silo}; retrying")]
    private static partial void LogWarningPushFailed(ILogger logger, Exception exception, SiloAddress silo, long epoch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control-plane change {Epoch} returned without confirmation from {Silos}; their leases have run out, so they deny until they catch up")]
    private static partial void LogWarningUnconfirmed(ILogger logger, long epoch, string silos);
}
