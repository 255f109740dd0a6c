using Mesh.Contracts.Errors;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Mesh.Grains.ControlPlane;

/// <summary>
/// Pushes a change to every active silo and waits until each has applied it. Called by the owning grain after the
/// change is durable and before its call returns, so "returned" means "every live silo obeys".
/// </summary>
internal sealed partial class ControlBroadcast(IClusterMembershipService membership, IGrainFactory grains, SiloControlView localView, ILogger<ControlBroadcast> logger)
{
    private static readonly TimeSpan[] Retries = [TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    public async Task PublishAsync(ControlChange change)
    {
        // This silo first, synchronously: decisions here obey even before the round trips below complete.
        localView.Apply(change);

        var pending = ActiveSilos();
        for (var attempt = 0; ; attempt++)
        {
            var results = await Task.WhenAll(pending.Select(async silo =>
            {
                try
                {
                    await grains.GetGrain<ISiloControlGrain>(silo.ToParsableString()).Apply(change);
                    return (silo, ok: true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogWarningPushFailed(logger, ex, silo);
                    return (silo, ok: false);
                }
            }));

            // A silo that failed and has since left the membership no longer serves decisions: nothing to wait for.
            var active = ActiveSilos().ToHashSet();
            pending = [.. results.Where(r => !r.ok && active.Contains(r.silo)).Select(r => r.silo)];
            if (pending.Count == 0)
            {
                return;
            }

            if (attempt >= Retries.Length)
            {
                throw new MeshException(MeshErrorCode.InvalidState, $"The change is saved but silo(s) {string.Join(", ", pending)} did not confirm it; retry the call.");
            }

            await Task.Delay(Retries[attempt]);
        }
    }

    private List<SiloAddress> ActiveSilos() =>
        [.. membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress)];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Control-plane change not confirmed by silo {Silo}; retrying")]
    private static partial void LogWarningPushFailed(ILogger logger, Exception exception, SiloAddress silo);
}
