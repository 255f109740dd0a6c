namespace Mesh.Client.Connection;

/// <summary>
/// Lets one report through per interval, so a gateway that stays down, or a burst of calls failing closed, gives one
/// log line a minute instead of one per attempt or per call. The first occurrence after a quiet period is reported at once.
/// </summary>
internal sealed class ReportThrottle(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _lock = new();
    private DateTimeOffset? _lastReport;
    private int _held;

    /// <summary>
    /// True when this occurrence should be reported; <paramref name="held"/> is how many were held back since the
    /// previous report.
    /// </summary>
    public bool ShouldReport(out int held)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (_lastReport is { } last && now - last < interval)
            {
                _held++;
                held = 0;
                return false;
            }

            _lastReport = now;
            held = _held;
            _held = 0;
            return true;
        }
    }

    /// <summary>Forgets the last report: after a recovery, the next failure is reported at once.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _lastReport = null;
            _held = 0;
        }
    }
}
