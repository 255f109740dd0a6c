using System.Collections.Immutable;
using Mesh.Contracts.Decisions;
using Mesh.Contracts.Shadow;
using Mesh.Grains.Hosting;

namespace Mesh.Grains.Shadow;

/// <summary>
/// Collects where a tenant's shadow policy disagrees with the active one. Kept in memory: a report is an operator's
/// working view of a candidate, rebuilt from live traffic, not a record (the audit trail is the record).
/// </summary>
internal sealed class ShadowReportGrain(MeshClock clock) : Grain, IShadowReportGrain
{
    private const int MaxExamples = 20;
    private readonly Queue<ShadowDifference> _examples = new();
    private readonly Dictionary<string, long> _byChange = new(StringComparer.Ordinal);
    private long _shadowVersion;
    private long _activeVersion;
    private long _differences;
    private DateTimeOffset? _since;

    public Task Record(ShadowDifference difference)
    {
        if (difference.ShadowVersion != _shadowVersion)
        {
            return Task.CompletedTask;
        }

        _differences++;
        var key = $"{Wire(difference.ActiveEffect)} -> {Wire(difference.ShadowEffect)}";
        _byChange[key] = _byChange.GetValueOrDefault(key) + 1;
        _examples.Enqueue(difference);
        while (_examples.Count > MaxExamples)
        {
            _examples.Dequeue();
        }

        return Task.CompletedTask;
    }

    public Task<ShadowReport> GetReport() => Task.FromResult(new ShadowReport
    {
        ShadowVersion = _shadowVersion,
        ActiveVersion = _activeVersion,
        Differences = _differences,
        ByChange = _byChange.ToImmutableDictionary(StringComparer.Ordinal),
        Examples = [.. _examples],
        Since = _since,
    });

    public Task Reset(long shadowVersion, long activeVersion)
    {
        _shadowVersion = shadowVersion;
        _activeVersion = activeVersion;
        _differences = 0;
        _byChange.Clear();
        _examples.Clear();
        _since = clock.UtcNow;
        return Task.CompletedTask;
    }

    private static string Wire(Effect effect) => effect switch
    {
        Effect.Allow => "allow",
        Effect.RequireApproval => "require_approval",
        _ => "deny",
    };
}
