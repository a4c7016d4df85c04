using System.Diagnostics;
using Osprey.Engine.Generation;
using Osprey.Engine.Serving;

namespace Osprey.Bench.Cluster;

/// <summary>
/// How long a running conversation stalls while another image encodes: its normal decode step (the
/// median gap between its tokens with nothing else to do), then the longest gap between its tokens from
/// the moment a second conversation about a not-yet-resident image is submitted until that one's first
/// token. The encode of the same bytes with nothing running is timed too: encoding on the engine thread,
/// as the loop did before the encoder had its own thread, stalls every running conversation at least that long.
/// </summary>
public static class EncodeStallBench
{
    private const int StepSamples = 12, TokensBeforeEncode = 4, MaxNewTokens = 400;

    /// <summary>Images the measurement encodes (two fresh copies).</summary>
    public const int Encodes = 2;

    public static async Task<EncodeStall> MeasureAsync(ServingEngine serving, ImageSource image, Func<SequenceRequest> running,
        Func<ImageSource, SequenceRequest> arriving, Action<string> log, EngineLatencyRecorder? latencies = null)
    {
        await serving.EnsureImage(image);
        SequenceRequest Running() => running() with { Sampling = SamplingParams.Greedy with { MaxNewTokens = MaxNewTokens, StopStrings = [] } };

        log("cluster: encode stall — the decode step alone");
        var alone = await TokenTimes(serving, Running(), stopAfter: StepSamples + 1);
        var steps = Gaps(alone).Skip(1).Order().ToList();
        var stepMs = steps[steps.Count / 2];

        log("cluster: encode stall — the same bytes encoded with nothing running");
        var quiet = new ImageSource($"{image.Id}-stall-quiet", image.Bytes);
        var watch = Stopwatch.StartNew();
        await serving.EnsureImage(quiet);
        var encodeAloneMs = watch.Elapsed.TotalMilliseconds;
        serving.ReleaseImage(quiet.Id);

        log("cluster: encode stall — another image encodes while the conversation decodes");
        var clock = Stopwatch.StartNew();
        var times = new List<double>();
        double submittedAt = -1, arrivedAt = -1;
        ServingMetrics? before = null;
        RuntimeWork? runtimeBefore = null;
        ThreadCpuTimes? threadsBefore = null;
        Task<double>? second = null;
        var fresh = new ImageSource($"{image.Id}-stall", image.Bytes);
        // Leaving the enumeration cancels the running conversation: it only has to outlast the encode.
        await foreach (var item in serving.Generate(Running()))
        {
            if (!item.IsToken) break;
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (times.Count == TokensBeforeEncode)
            {
                latencies?.TakeEncodeSlices();
                latencies?.Take();
                before = serving.Metrics();
                runtimeBefore = RuntimeWork.Now();
                threadsBefore = ThreadCpuTimes.Now();
                submittedAt = clock.Elapsed.TotalMilliseconds;
                second = FirstTokenAt(serving, arriving(fresh), clock);
            }
            if (second is { IsCompletedSuccessfully: true } && times.Count(t => t > second.Result) >= 2) break;
        }
        if (second is null) throw new InvalidOperationException("The running conversation ended before the encode was submitted.");
        arrivedAt = await second;
        var slices = latencies?.TakeEncodeSlices();
        var stepsMeanwhile = latencies?.Take();
        var after = serving.Metrics();
        var runtime = RuntimeWork.Now() - runtimeBefore!;
        var threads = ThreadCpuTimes.Now().Since(threadsBefore!, top: 8);
        serving.ReleaseImage(fresh.Id);
        // Every gap that overlaps the window: the one the submission fell in through the one the arrival's first step ended.
        var gaps = new List<double>();
        for (var i = 1; i < times.Count; i++)
            if (times[i] > submittedAt && times[i - 1] < arrivedAt) gaps.Add(times[i] - times[i - 1]);
        var coveredArrival = times[^1] >= arrivedAt;
        // The newcomer's first step (its prompt's prefill) also gives the running conversation a token:
        // the one nearest the newcomer's first token ends the gap that step made.
        var join = Enumerable.Range(1, times.Count - 1).MinBy(i => Math.Abs(times[i] - arrivedAt));

        // As many steps again with nothing else to do: how long the machine alone makes the longest of them.
        log("cluster: encode stall — as many decode steps again with nothing else running");
        var beforeQuiet = serving.Metrics();
        var quietSteps = await TokenTimes(serving, Running(), stopAfter: Math.Min(Math.Max(gaps.Count, StepSamples) + 2, MaxNewTokens));
        var afterQuiet = serving.Metrics();
        var quietGaps = Gaps(quietSteps).Skip(1).ToList();
        return new EncodeStall
        {
            DecodeStepMs = stepMs,
            MaxGapMs = gaps.Count == 0 ? 0 : gaps.Max(),
            MaxGapAloneMs = quietGaps.Count == 0 ? 0 : quietGaps.Max(),
            GapsMs = [.. gaps.Order()],
            GapsAloneMs = [.. quietGaps.Order()],
            GapsAlone = quietGaps.Count,
            EncodeAloneMs = encodeAloneMs,
            EncodeWhileDecodingMs = arrivedAt - submittedAt,
            TokensDuringEncode = gaps.Count,
            JoinGapMs = times[join] - times[join - 1],
            CoveredWholeEncode = coveredArrival,
            Slices = slices,
            Steps = stepsMeanwhile,
            TurnsLent = after.EncodeTurns - before!.EncodeTurns,
            SlicesOverlappingSteps = after.EncodeSlicesOverlappingSteps - before.EncodeSlicesOverlappingSteps,
            ChunksTakenOver = after.ComputeChunksTakenOver - before.ComputeChunksTakenOver,
            ChunksTakenOverAlone = afterQuiet.ComputeChunksTakenOver - beforeQuiet.ComputeChunksTakenOver,
            Runtime = runtime,
            Threads = threads,
        };
    }

    private static async Task<double> FirstTokenAt(ServingEngine serving, SequenceRequest request, Stopwatch clock)
    {
        await foreach (var item in serving.Generate(request))
            if (item.IsToken || item.Outcome is not null) return clock.Elapsed.TotalMilliseconds;
        throw new InvalidOperationException("The engine ended a sequence without an outcome.");
    }

    private static async Task<List<double>> TokenTimes(ServingEngine serving, SequenceRequest request, int stopAfter)
    {
        var clock = Stopwatch.StartNew();
        var times = new List<double>();
        await foreach (var item in serving.Generate(request))
        {
            if (!item.IsToken) break;
            times.Add(clock.Elapsed.TotalMilliseconds);
            if (times.Count >= stopAfter) break;
        }
        return times;
    }

    private static IEnumerable<double> Gaps(List<double> times) => times.Skip(1).Select((t, i) => t - times[i]);
}

/// <summary>A running conversation's stall while another image encodes (see <see cref="EncodeStallBench"/>).</summary>
public sealed record EncodeStall
{
    public required double DecodeStepMs { get; init; }

    /// <summary>The longest gap between the running conversation's tokens while the other image encoded and joined the batch.</summary>
    public required double MaxGapMs { get; init; }

    /// <summary>
    /// The longest gap between the conversation's tokens over <see cref="GapsAlone"/> steps (as many as the
    /// window had) with nothing else running: what the machine alone does to the longest step, the floor under <see cref="MaxGapMs"/>.
    /// </summary>
    public double MaxGapAloneMs { get; init; }

    public int GapsAlone { get; init; }

    /// <summary>Every gap of the window, shortest first: whether the longest is one outlier or the tail of many.</summary>
    public IReadOnlyList<double>? GapsMs { get; init; }

    /// <summary>Every gap with nothing else running, shortest first.</summary>
    public IReadOnlyList<double>? GapsAloneMs { get; init; }

    /// <summary>The same bytes encoded (with the shared prefix prefilled) while nothing ran: the least stall of an encode on the engine thread.</summary>
    public required double EncodeAloneMs { get; init; }

    /// <summary>From the second conversation's submission to its first token, its image encoded beside the decode steps.</summary>
    public required double EncodeWhileDecodingMs { get; init; }

    /// <summary>The running conversation's gap that ended with the newcomer's first step (its prompt prefilled in the batch).</summary>
    public required double JoinGapMs { get; init; }

    /// <summary>Gaps of the running conversation that overlapped the encode (its tokens meanwhile).</summary>
    public required int TokensDuringEncode { get; init; }

    /// <summary>False when the running conversation ended before the second one's first token.</summary>
    public required bool CoveredWholeEncode { get; init; }

    /// <summary>The encode's slices while the conversation decoded, from the engine's histogram (null: not recorded).</summary>
    public EncodeSliceTimes? Slices { get; init; }

    /// <summary>The engine's steps over the same window, from its histogram (null: not recorded).</summary>
    public EngineLatencies? Steps { get; init; }

    /// <summary>Turns the loop lent the encoder between steps over the window.</summary>
    public long TurnsLent { get; init; }

    /// <summary>Slices that outran their turn and its grace and so ran beside a step (<see cref="ServingMetrics.EncodeSlicesOverlappingSteps"/>).</summary>
    public long SlicesOverlappingSteps { get; init; }

    /// <summary>Chunks the engine thread computed in place of a team thread that had lost its core, over the window (<see cref="ServingMetrics.ComputeChunksTakenOver"/>).</summary>
    public long ChunksTakenOver { get; init; }

    /// <summary>The same over the steps with nothing else running.</summary>
    public long ChunksTakenOverAlone { get; init; }

    /// <summary>What the .NET runtime did in the process over the same window (collections, their pauses, compilation).</summary>
    public RuntimeWork? Runtime { get; init; }

    /// <summary>The threads that used the most CPU over the same window (<see cref="ThreadCpuTimes"/>).</summary>
    public IReadOnlyList<ThreadCpu>? Threads { get; init; }

    public double GapOverStep => MaxGapMs / DecodeStepMs;

    public double GapAloneOverStep => MaxGapAloneMs / DecodeStepMs;
}
