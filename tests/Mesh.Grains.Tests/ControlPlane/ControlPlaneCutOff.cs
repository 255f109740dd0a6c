using Mesh.Grains.ControlPlane;
using Orleans.Runtime;

namespace Mesh.Grains.Tests.ControlPlane;

/// <summary>
/// A network partition between chosen silos and the control plane, made by an outgoing grain call filter registered
/// in the test cluster (DI, one instance per cluster). <see cref="Isolate"/> refuses only the silo's lease renewals;
/// <see cref="Partition"/> also refuses every change pushed to it, so the silo hears of a change neither way.
/// </summary>
internal sealed class ControlPlaneCutOff
{
    private volatile SiloAddress? _isolated;
    private volatile bool _pushesToo;
    private volatile bool _all;
    private int _refusedPushes;

    /// <summary>Pushes to the partitioned silo refused so far (each is one attempt of a change to reach it).</summary>
    public int RefusedPushes => Volatile.Read(ref _refusedPushes);

    /// <summary>The silo can no longer renew its lease; pushes still reach it.</summary>
    public void Isolate(SiloAddress silo) => (_isolated, _pushesToo) = (silo, false);

    /// <summary>The silo can neither renew its lease nor receive a pushed change.</summary>
    public void Partition(SiloAddress silo) => (_isolated, _pushesToo) = (silo, true);

    public void IsolateAll() => _all = true;

    public void Reconnect() => (_isolated, _pushesToo, _all) = (null, false, false);

    internal sealed class Filter(ControlPlaneCutOff cutOff, ILocalSiloDetails local) : IOutgoingGrainCallFilter
    {
        public Task Invoke(IOutgoingGrainCallContext context)
        {
            var isolated = cutOff._isolated;
            var method = context.InterfaceMethod;
            if ((cutOff._all || isolated == local.SiloAddress)
                && method?.DeclaringType == typeof(IControlPlaneGrain) && method.Name == nameof(IControlPlaneGrain.Sync))
            {
                throw new TimeoutException("The control plane cannot be reached from this silo (test partition).");
            }

            if (cutOff._pushesToo && isolated is not null
                && method?.DeclaringType == typeof(ISiloControlGrain)
                && context.TargetId.Key.ToString() == isolated.ToParsableString())
            {
                Interlocked.Increment(ref cutOff._refusedPushes);
                throw new TimeoutException($"Silo {isolated} cannot be reached (test partition).");
            }

            return context.Invoke();
        }
    }
}
