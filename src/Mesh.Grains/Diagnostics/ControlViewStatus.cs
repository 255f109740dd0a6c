using Mesh.Grains.ControlPlane;

namespace Mesh.Grains.Diagnostics;

/// <summary>
/// Read-only state of this silo's control-plane view, for readiness probes and gauges: whether it was loaded, whether
/// its lease holds, its epoch. Decisions read the view itself; this never changes it.
/// </summary>
public sealed class ControlViewStatus
{
    private readonly SiloControlView _view;
    private readonly TimeProvider _leaseClock;

    internal ControlViewStatus(SiloControlView view, TimeProvider leaseClock)
    {
        _view = view;
        _leaseClock = leaseClock;
    }

    /// <summary>Completes when the whole fleet-wide record has been loaded once; until then the silo denies.</summary>
    public Task Loaded => _view.Loaded;

    /// <summary>True once the whole record has been loaded.</summary>
    public bool IsLoaded => _view.Loaded.IsCompleted;

    /// <summary>True while the view is loaded and its lease holds, i.e. decisions here trust it.</summary>
    public bool IsCurrent => _view.Loaded.IsCompleted && _view.IsCurrent();

    /// <summary>Every change up to this control-plane epoch is applied here.</summary>
    public long Epoch => _view.Epoch;

    /// <summary>How long the view counts as current after a confirmation.</summary>
    public TimeSpan Lease => _view.Lease;

    /// <summary>Time since the view was last confirmed current, or null before the first load.</summary>
    public TimeSpan? SinceConfirmed => _view.ConfirmedAt is { } confirmed ? _leaseClock.GetUtcNow() - confirmed : null;
}
