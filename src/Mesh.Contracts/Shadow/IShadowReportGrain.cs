namespace Mesh.Contracts.Shadow;

/// <summary>
/// Where decisions report that the shadow policy would have decided differently from the active one (key: tenant).
/// Only differences are sent, so agreeing decisions cost no call.
/// </summary>
public interface IShadowReportGrain : IGrainWithStringKey
{
    /// <summary>Records one difference (fire and forget from the decision path).</summary>
    [OneWay]
    Task Record(ShadowDifference difference);

    /// <summary>Counts of differences and examples, for the shadow version currently running.</summary>
    [ReadOnly]
    Task<ShadowReport> GetReport();

    /// <summary>Starts a fresh report for a new shadow version.</summary>
    Task Reset(long shadowVersion, long activeVersion);
}
