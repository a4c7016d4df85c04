using System.Diagnostics.Metrics;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Metrics;

namespace Osprey.Bench.Cluster;

/// <summary>
/// Listens to the silo engine's latency histograms (<see cref="LatencyInstruments"/>, the ones /metrics
/// exports) while a phase of the bench runs, so the report can set the engine's own steps beside the gaps
/// clients saw between tokens: what a batched step costs and what the serving loop adds around it.
/// Only the given silos' measurements count: another cluster in the process (a test beside this one)
/// records on a meter of the same name.
/// </summary>
public sealed class EngineLatencyRecorder : IDisposable
{
    private readonly HashSet<string> _silos;
    private readonly MeterListener _listener = new();
    private readonly List<double> _decodeSteps = [], _allSteps = [], _gaps = [];
    private readonly List<string> _stepKinds = [];
    private readonly List<(string Part, double Ms)> _slices = [];

    /// <param name="silos">The <see cref="OspreyMeters.SiloLabel"/> values to hear (<see cref="InProcessCluster.SiloLabels"/>).</param>
    public EngineLatencyRecorder(IEnumerable<string> silos)
    {
        _silos = [.. silos];
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == OspreyMeters.Silo
                && instrument.Name is LatencyInstruments.StepDurationName or LatencyInstruments.InterTokenGapName or LatencyInstruments.EncodeSliceDurationName)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<double>((instrument, seconds, tags, _) =>
        {
            if (!FromOurSilos(tags)) return;
            var ms = seconds * 1000;
            lock (_gaps)
            {
                if (instrument.Name == LatencyInstruments.InterTokenGapName)
                {
                    _gaps.Add(ms);
                    return;
                }
                if (instrument.Name == LatencyInstruments.EncodeSliceDurationName)
                {
                    foreach (var tag in tags)
                        if (tag.Key == "part") _slices.Add(((string?)tag.Value ?? "", ms));
                    return;
                }
                _allSteps.Add(ms);
                var kind = "";
                foreach (var tag in tags)
                    if (tag.Key == "kind") kind = (string?)tag.Value ?? "";
                _stepKinds.Add(kind);
                if (kind == "decode") _decodeSteps.Add(ms);
            }
        });
        _listener.Start();
    }

    /// <summary>What was recorded since the last call (medians in ms), and a fresh start.</summary>
    public EngineLatencies Take()
    {
        lock (_gaps)
        {
            var taken = new EngineLatencies(_allSteps.Count, Median(_decodeSteps), Median(_allSteps), Median(_gaps))
            {
                FirstStepMs = _allSteps.Count == 0 ? null : _allSteps[0],
                FirstStepKind = _allSteps.Count == 0 ? null : _stepKinds[0],
                StepMaxMs = _allSteps.Count == 0 ? null : _allSteps.Max(),
                LongestStepKind = _allSteps.Count == 0 ? null : _stepKinds[_allSteps.IndexOf(_allSteps.Max())],
            };
            _stepKinds.Clear();
            _decodeSteps.Clear();
            _allSteps.Clear();
            _gaps.Clear();
            _slices.Clear();
            return taken;
        }
    }

    /// <summary>The image-encode slices recorded since the last call, and a fresh start.</summary>
    public EncodeSliceTimes TakeEncodeSlices()
    {
        lock (_gaps)
        {
            var taken = new EncodeSliceTimes(_slices.Count, Median([.. _slices.Select(s => s.Ms)]),
                _slices.GroupBy(s => s.Part).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Max(s => s.Ms)));
            _slices.Clear();
            return taken;
        }
    }

    private bool FromOurSilos(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (var tag in tags)
            if (tag.Key == OspreyMeters.SiloLabel) return tag.Value is string silo && _silos.Contains(silo);
        return false;
    }

    private static double? Median(List<double> values)
    {
        if (values.Count == 0) return null;
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    public void Dispose() => _listener.Dispose();
}

/// <summary>
/// The engine's steps and the gaps between a sequence's tokens over one bench phase, as medians in ms
/// (null when none was recorded): a gap well above the decode step is time the loop spent outside it.
/// </summary>
public sealed record EngineLatencies(int Steps, double? DecodeStepMedianMs, double? StepMedianMs, double? TokenGapMedianMs)
{
    /// <summary>The phase's first step: a turn's prefill of its new positions, when the turn ran alone.</summary>
    public double? FirstStepMs { get; init; }

    public string? FirstStepKind { get; init; }

    /// <summary>The longest step of the phase: a gap made of one slow step rather than of time between steps.</summary>
    public double? StepMaxMs { get; init; }

    /// <summary>What the longest step ran: <c>decode</c>, <c>prefill</c> or <c>mixed</c> (decodes beside prompt positions).</summary>
    public string? LongestStepKind { get; init; }
}

/// <summary>
/// The slices of image encodes over one bench phase: how many, their median and the longest of each
/// part (<see cref="LatencyInstruments.PartLabel"/>), in ms. The longest slice bounds a running
/// conversation's gap while an image encodes: a turn lent between steps always runs at least one.
/// </summary>
public sealed record EncodeSliceTimes(int Slices, double? MedianMs, IReadOnlyDictionary<string, double> LongestMsByPart);
