using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Mesh.Silo.Tests.Observability;

/// <summary>Every measurement of the given meters' instruments (and no other meter's), in the order recorded.</summary>
internal sealed class MeshMeasurements : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<Recorded> _recorded = new();

    public MeshMeasurements(params Meter[] meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (meters.Contains(instrument.Meter))
            {
                listener.EnableMeasurementEvents(instrument, instrument.Meter);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, t, s) => Record(i, v, t, s));
        _listener.SetMeasurementEventCallback<int>((i, v, t, s) => Record(i, v, t, s));
        _listener.SetMeasurementEventCallback<double>((i, v, t, s) => Record(i, v, t, s));
        _listener.Start();
    }

    /// <summary>Measurements of one instrument, oldest first.</summary>
    public IReadOnlyList<Recorded> Of(string instrument) => [.. _recorded.Where(r => r.Name == instrument)];

    /// <summary>Asks the observable instruments (gauges) for their current values.</summary>
    public void Observe() => _listener.RecordObservableInstruments();

    /// <summary>The latest value of a gauge on one meter.</summary>
    public double? Latest(string instrument, Meter meter)
    {
        Observe();
        return _recorded.Where(r => r.Name == instrument && r.Meter == meter).Select(r => (double?)r.Value).LastOrDefault();
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        _recorded.Enqueue(new Recorded(instrument.Name, (Meter)state!, value, copy));
    }

    internal sealed record Recorded(string Name, Meter Meter, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public string Tag(string key) => Tags.TryGetValue(key, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)! : "(none)";
    }
}
