using System.Diagnostics.Metrics;

namespace Osprey.Engine.Serving;

/// <summary>
/// Histograms of what a serving engine's users wait for, recorded by its loop on a meter its host owns
/// (and exports): each step's duration by kind (decode only, prompt only, or both), the time from a
/// request's submission to its first token, the gap between a sequence's successive tokens, and each
/// slice of an image encode by the part it computes. The gap is the figure a user feels while other
/// requests join or an image encodes beside the steps, and the longest slice is what bounds the latter;
/// the engine's counters say how much work ran, these say how long it made people wait.
/// </summary>
public sealed class LatencyInstruments
{
    public const string StepDurationName = "osprey_engine_step_duration";
    public const string TimeToFirstTokenName = "osprey_engine_time_to_first_token";
    public const string InterTokenGapName = "osprey_engine_inter_token_gap";
    public const string EncodeSliceDurationName = "osprey_engine_encode_slice_duration";

    // Seconds: CPU steps run tens of milliseconds to seconds, a first token behind an encode several seconds.
    private static readonly IReadOnlyList<double> Boundaries =
        [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 0.75, 1, 1.5, 2.5, 5, 10, 30];

    private readonly Histogram<double> _step;
    private readonly Histogram<double> _firstToken;
    private readonly Histogram<double> _interToken;
    private readonly Histogram<double> _encodeSlice;
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly KeyValuePair<string, object?>[][] _stepTags;
    private readonly KeyValuePair<string, object?>[][] _partTags;

    /// <param name="tags">Labels of every measurement (e.g. the silo).</param>
    public LatencyInstruments(Meter meter, params KeyValuePair<string, object?>[] tags)
    {
        var advice = new InstrumentAdvice<double> { HistogramBucketBoundaries = Boundaries };
        _step = meter.CreateHistogram(StepDurationName, "s", "Duration of one engine step (one packed forward and its sampling)", advice: advice);
        _firstToken = meter.CreateHistogram(TimeToFirstTokenName, "s", "Time from a request's submission to its first generated token", advice: advice);
        _interToken = meter.CreateHistogram(InterTokenGapName, "s", "Time between a sequence's successive generated tokens", advice: advice);
        _encodeSlice = meter.CreateHistogram(EncodeSliceDurationName, "s",
            "Duration of one slice of an image encode (the longest slice bounds how long an encode can hold up decode steps)", advice: advice);
        _tags = tags;
        _stepTags = [.. new[] { "decode", "prefill", "mixed" }.Select(kind => tags.Append(new("kind", kind)).ToArray())];
        _partTags = [.. Enum.GetValues<EncodeSlicePart>().Select(part => tags.Append(new("part", PartLabel(part))).ToArray())];
    }

    internal void StepRan(TimeSpan elapsed, int decodes, int promptPositions) =>
        _step.Record(elapsed.TotalSeconds, _stepTags[promptPositions == 0 ? 0 : decodes == 0 ? 1 : 2]);

    internal void FirstToken(TimeSpan sinceSubmitted) => _firstToken.Record(sinceSubmitted.TotalSeconds, _tags);

    internal void NextToken(TimeSpan sinceLast) => _interToken.Record(sinceLast.TotalSeconds, _tags);

    internal void EncodeSliceRan(EncodeSlicePart part, TimeSpan elapsed) => _encodeSlice.Record(elapsed.TotalSeconds, _partTags[(int)part]);

    /// <summary>The <c>part</c> label of an encode slice's duration.</summary>
    public static string PartLabel(EncodeSlicePart part) => part switch
    {
        EncodeSlicePart.Decode => "decode",
        EncodeSlicePart.Pixels => "pixels",
        EncodeSlicePart.Vision => "vision",
        EncodeSlicePart.PromptEmbedding => "prompt_embedding",
        EncodeSlicePart.PrefixPrefill => "prefix_prefill",
        _ => throw new ArgumentOutOfRangeException(nameof(part), part, null),
    };
}
