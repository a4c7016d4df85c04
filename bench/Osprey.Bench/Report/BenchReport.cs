using System.Text;
using Osprey.Bench.Load;
using Osprey.Engine.Config;
using static TorchSharp.torch;

namespace Osprey.Bench.Report;

/// <summary>Everything one <c>osprey bench</c> run measured, and its rendering as markdown tables.</summary>
public sealed record BenchReport
{
    public required MachineInfo Machine { get; init; }
    public required string Command { get; init; }
    public string LoadAverage { get; set; } = "n/a";
    public HardwareYardstick? Hardware { get; set; }
    public List<EngineResult> Engine { get; } = [];
    public string? RealScaleDirectory { get; set; }
    public List<RealScaleResult> RealScale { get; } = [];
    public PyTorchResult? PyTorchFp32 { get; set; }
    public PyTorchResult? PyTorchBf16 { get; set; }
    public string? PyTorchNote { get; set; }
    public List<LlamaCppResult> LlamaCpp { get; } = [];
    public string? LlamaCppNote { get; set; }

    /// <summary>What decode efficiency is quoted against: the better of the read yardsticks and llama.cpp's achieved weight-read rate.</summary>
    public double? ReadBandwidthGBps => Hardware is null ? null : Math.Max(Hardware.ReadGBps, LlamaCpp.Select(l => l.WeightReadGBps).DefaultIfEmpty(0).Max());
    public ClusterResult? Cluster { get; set; }
    public LoadResult? Load { get; set; }
    public string? ClusterNote { get; set; }
    public List<TrainingResult> Training { get; } = [];
    public List<string> Notes { get; } = [];

    /// <summary>Config of each engine-bench model by name, for the analytic FLOP and byte counts.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Dictionary<string, OspreyConfig> Configs { get; } = [];

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"Machine: {Machine.Describe()}. Load average (1 min) during the run: {LoadAverage}.");
        md.AppendLine($"Command: `{Command}`");
        md.AppendLine();
        if (RealScale.Count > 0) AppendRealScale(md);
        if (Engine.Count > 0) AppendEngine(md);
        // The yardsticks are always measured; the table that relates engine results to them needs some.
        if (Hardware is not null && Engine.Count > 0) AppendHardware(md);
        AppendPyTorch(md);
        LlamaCppSection.Append(md, this);
        AppendCluster(md);
        if (Load is not null) LoadSection.Append(md, Load);
        if (Training.Count > 0) AppendTraining(md);
        foreach (var note in Notes) md.AppendLine($"- {note}");
        return md.ToString();
    }

    private void AppendRealScale(StringBuilder md)
    {
        md.AppendLine($"### Full-size model ({RealScaleDirectory})");
        md.AppendLine();
        var table = new MarkdownTable("dtype", "load s", "load peak RSS GiB", "weights GiB", "peak / weights", "image encode ms",
            "first-turn prefill (positions)", "prefill ms", "follow-up prefill (tokens)", "follow-up ms", "decode step ms", "decode tok/s", "peak RSS GiB");
        foreach (var r in RealScale)
        {
            if (r.Refusal is not null)
            {
                table.Row(r.DType, "refused", "–", "–", "–", "–", "–", "–", "–", "–", "–", "–", "–");
                continue;
            }
            table.Row(r.DType, Number.F(r.LoadSeconds!.Value, 1), Number.GiB(r.LoadPeakRssBytes), Number.GiB(r.WeightBytes), Number.Ratio(r.LoadPeakOverWeights),
                Number.Ms(r.VisionEncodeMs), $"{r.PrefillTokens} ({r.ImageTokens} image)", Number.Ms(r.PrefillMs), r.FollowUpTokens.ToString(),
                Number.Ms(r.FollowUpMs), Number.Ms(r.DecodeStepMs), Number.Rate(1000 / r.DecodeStepMs!.Value), Number.GiB(r.PeakRssBytes));
        }
        md.Append(table).AppendLine();
        foreach (var r in RealScale.Where(r => r.Refusal is not null))
            md.AppendLine($"- {r.DType} refused before allocating: `{r.Refusal}`");
        md.AppendLine();
    }

    private void AppendTraining(StringBuilder md)
    {
        md.AppendLine("### Training step (data-parallel replicas)");
        md.AppendLine();
        var table = new MarkdownTable("step", "batch", "workers × libtorch threads", "s/step", "speed-up over one model");
        foreach (var result in Training)
        {
            var single = Training.First(t => t.Step == result.Step && t.Workers == 1);
            table.Row(result.Step, result.BatchSize.ToString(), $"{result.Workers} × {result.ThreadsPerWorker}", result.SecondsPerStep.ToString("F2"),
                $"{single.SecondsPerStep / result.SecondsPerStep:F2}×");
        }
        md.Append(table).AppendLine();
    }

    private void AppendEngine(StringBuilder md)
    {
        md.AppendLine("### Engine (TorchSharp)");
        md.AppendLine();
        var table = new MarkdownTable("model", "dtype", "vision encode ms", "region encode ms", "prefill tokens", "prefill tok/s",
            "decode step b=1 ms", "decode tok/s b=1", "decode step b=8 ms", "decode tok/s b=8", "weights GiB", "peak RSS GiB");
        foreach (var e in Engine)
            table.Row(e.Model, e.DType, Number.Ms(e.VisionEncodeMs), Number.Ms(e.RegionEncodeMs), e.PrefillTokens.ToString(), Number.Rate(e.PrefillTokensPerSecond),
                Number.Ms(e.DecodeStepBatch1Ms), Number.Rate(e.DecodeTokensPerSecondBatch1), Number.Ms(e.DecodeStepBatchedMs),
                Number.Rate(e.DecodeTokensPerSecondBatched), Number.GiB(e.WeightBytes), Number.GiB(e.PeakRssBytes));
        md.Append(table).AppendLine();
        md.AppendLine("Follow-up turn (first turn kept as a KV cache, then a question of the given length):");
        md.AppendLine();
        var followUp = new MarkdownTable("model", "dtype", "new tokens", "naive: re-encode + re-prefill ms", "from kept KV cache ms", "ratio");
        foreach (var e in Engine)
            followUp.Row(e.Model, e.DType, e.FollowUpTokens.ToString(), Number.Ms(e.NaiveFollowUpMs), Number.Ms(e.CachedFollowUpMs), Number.Ratio(e.FollowUpSpeedup));
        md.Append(followUp).AppendLine();
        AppendDecodeProfiles(md);
    }

    private void AppendDecodeProfiles(StringBuilder md)
    {
        var profiled = Engine.SelectMany(e => e.DecodeProfiles.Select(p => (Engine: e, Profile: p))).ToList();
        if (profiled.Count == 0) return;
        md.AppendLine("Decode step part by part (ms per step at the prefill's context: embed the last tokens, the packed forward, greedy sampling; " +
                      "each sequence a fork of the first turn; timed one part at a time, so \"other\" is what lies between the parts):");
        md.AppendLine();
        var parts = profiled.SelectMany(p => p.Profile.Parts.Select(x => x.Part)).Distinct().ToList();
        var table = new MarkdownTable(["part", .. profiled.Select(p => $"{p.Engine.Model} {p.Engine.DType} b={p.Profile.Batch}")]);
        foreach (var part in parts)
            table.Row([part, .. profiled.Select(p => p.Profile.Parts.FirstOrDefault(x => x.Part == part) is { } x ? Number.Ms(x.Ms) : "–")]);
        table.Row(["step", .. profiled.Select(p => Number.Ms(p.Profile.StepMs))]);
        md.Append(table).AppendLine();
    }

    private void AppendHardware(StringBuilder md)
    {
        var hw = Hardware!;
        md.AppendLine("### Against the hardware (measured in the same run)");
        md.AppendLine();
        md.AppendLine(FormattableString.Invariant(
            $"Yardsticks: matmul fp32 {hw.MatmulSize}² {Number.Rate(hw.MatmulGflopsFp32)} GFLOP/s, bf16 {hw.MatmulSizeBf16}² {Number.Rate(hw.MatmulGflopsBf16)} GFLOP/s (both through the engine's product, which widens bf16 to fp32 on a CPU without bf16 instructions); memory bandwidth (libtorch): copy {Number.Rate(hw.CopyGBps)} GB/s (read + write), sum {Number.Rate(hw.SumGBps)} GB/s (read). Decode-shaped linear (x·Wᵀ, W {HardwareYardstick.LinearOut}×{HardwareYardstick.LinearIn} fp32): 1 row {Number.Ms(hw.LinearRow1Ms)} ms, 8 rows {Number.Ms(hw.LinearRows8Ms)} ms, 8 rows computed as W·xᵀ {Number.Ms(hw.TransposedRows8Ms)} ms. Streaming read (one thread per core, vector loads, 1 GiB): {Number.Rate(hw.StreamReadGBps)} GB/s. Read bandwidth used below: {Number.Rate(ReadBandwidthGBps!.Value)} GB/s (the best of the sum, the 1-row linear, the streaming read and llama.cpp's achieved weight-read rate)."));
        md.AppendLine();
        var table = new MarkdownTable("model", "dtype", "vision GFLOP", "vision GFLOP/s", "of matmul peak", "prefill GFLOP", "prefill GFLOP/s", "of matmul peak",
            "decode GB/step", "decode GB/s (b=1)", "of read bandwidth");
        var inTurn = new List<string>();
        foreach (var e in Engine)
        {
            if (!Configs.TryGetValue(e.Model, out var config)) continue;
            var dtype = e.DType == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32;
            var peak = hw.MatmulGflops(dtype);
            var visionGflop = ConvNeXtFlops.EncodeImage(config) / 1e9;
            var visionRate = e.VisionEncodeMs is { } visionMs ? visionGflop / (visionMs / 1000) : (double?)null;
            var prefillGflop = LlamaCost.PrefillFlops(config.Language, e.PrefillTokens) / 1e9;
            var prefillRate = prefillGflop / (e.PrefillMs / 1000);
            var stepGb = LlamaCost.DecodeStepBytes(config.Language, e.PrefillTokens, dtype == ScalarType.BFloat16 ? 2 : 4) / 1e9;
            var decodeRate = stepGb / (e.DecodeStepBatch1Ms / 1000);
            table.Row(e.Model, e.DType, Number.Rate(visionGflop), visionRate is { } vr ? Number.Rate(vr) : "–", visionRate is { } vp ? Number.Percent(vp / peak) : "–",
                Number.Rate(prefillGflop), Number.Rate(prefillRate), Number.Percent(prefillRate / peak),
                Number.F(stepGb, 3), Number.Rate(decodeRate), Number.Percent(decodeRate / ReadBandwidthGBps!.Value));
            if (e.DecodeBesideRead is { } beside)
            {
                var shares = beside.Shares(stepGb * 1e9);
                inTurn.Add(FormattableString.Invariant(
                    $"{e.Model} {e.DType}, batch-1 decode steps timed in turn with libtorch's sum ({shares.Count} rounds): a step {Number.Ms(Timing.MedianOf(beside.StepMs))} ms, the sum {Number.Rate(Timing.MedianOf(beside.ReadGBps))} GB/s (median); **{Number.Percent(Timing.MedianOf(shares))} of the read bandwidth** of the same round (median; rounds {string.Join(", ", shares.Select(Number.Percent))})."));
            }
        }
        md.Append(table).AppendLine();
        foreach (var line in inTurn) md.AppendLine(line).AppendLine();
        md.AppendLine("FLOPs are analytic (2 per multiply-add): ConvNeXt convolutions and MLPs plus the projector; prefill 2·(layer parameters)·tokens + causal attention + the head at the last position. Decode bytes: every layer weight, the head, and the K/V of the context, per step.");
        md.AppendLine();
    }

    private void AppendPyTorch(StringBuilder md)
    {
        if (PyTorchFp32 is null && PyTorchBf16 is null && PyTorchNote is null) return;
        md.AppendLine("### Against PyTorch eager (how the official Osprey code runs)");
        md.AppendLine();
        if (PyTorchNote is not null) md.AppendLine(PyTorchNote).AppendLine();
        var bench = Engine.Where(e => e.Model == "bench").ToList();
        if (PyTorchFp32 is null && PyTorchBf16 is null) return;
        var table = new MarkdownTable("phase", "dtype", "TorchSharp ms", "PyTorch ms", "TorchSharp / PyTorch time");
        void Rows(PyTorchResult? py, string dtype)
        {
            var ts = bench.FirstOrDefault(e => e.DType == dtype);
            if (py is null || ts is null) return;
            if (py.VisionMs is { } v) table.Row("vision encode (trunk + projector)", dtype, Number.Ms(ts.VisionEncodeMs), Number.Ms(v), Number.Ratio(ts.VisionEncodeMs / v));
            if (py.PrefillMs is { } p) table.Row($"prefill {ts.PrefillTokens} tokens", dtype, Number.Ms(ts.PrefillMs), Number.Ms(p), Number.Ratio(ts.PrefillMs / p));
            if (py.DecodeStepMs is { } d) table.Row($"decode step b=1 (context {ts.PrefillTokens}; PyTorch {py.DecodeContext})", dtype, Number.Ms(ts.DecodeStepBatch1Ms), Number.Ms(d), Number.Ratio(ts.DecodeStepBatch1Ms / d));
        }
        Rows(PyTorchFp32, "fp32");
        Rows(PyTorchBf16, "bf16");
        md.Append(table).AppendLine();
        var any = PyTorchFp32 ?? PyTorchBf16!;
        md.AppendLine(FormattableString.Invariant(
            $"PyTorch is Debian's python3-torch {any.TorchVersion} (no MKL; BLAS: {any.Blas}), {any.Threads} threads; libtorch here is 2.10 with MKL. Below 1× TorchSharp is faster. PyTorch's own matmul yardstick: {string.Join(", ", new[] { PyTorchFp32, PyTorchBf16 }.OfType<PyTorchResult>().Select(p => $"{p.DType} {Number.Rate(p.MatmulGflops)} GFLOP/s"))}."));
        md.AppendLine();
    }

    private void AppendCluster(StringBuilder md)
    {
        if (Cluster is null && ClusterNote is null) return;
        md.AppendLine("### Cluster path (the gateway's HTTP API and the real grains on one in-process silo)");
        md.AppendLine();
        if (ClusterNote is not null) md.AppendLine(ClusterNote).AppendLine();
        if (Cluster is not { } c) return;
        md.AppendLine(FormattableString.Invariant($"Model: {c.Model} ({c.DType}). First demand of an image (encode + shared prefix prefill, a conversation's first turn): {Number.Ms(c.ImageEnsureMs)} ms. The silo's warm-up before it joined (Osprey:WarmUp): {Number.Ms(c.SiloWarmUpMs)} ms."));
        md.AppendLine();
        var turns = new MarkdownTable("turn", "prompt positions", "prefilled (kept cache)", "TTFT kept cache ms", "its prefill step ms", "prefilled (stock)", "TTFT stock ms", "stock / cached", "same first token");
        foreach (var t in c.Turns)
            turns.Row(t.Turn.ToString(), t.PromptPositions.ToString(), t.PrefilledPositions.ToString(), Number.Ms(t.CachedTtftMs),
                Number.Ms(t.Work?.Steps.FirstStepMs), t.StockPrefilledPositions?.ToString() ?? "–", Number.Ms(t.StockTtftMs), Number.Ratio(t.Speedup), t.SameFirstToken is { } s ? (s ? "yes" : "NO") : "–");
        md.Append(turns).AppendLine();
        var load = new MarkdownTable("conversations", "tokens per answer (at most)", "batched tokens", "batched tok/s", "one at a time tok/s", "batched / one at a time",
            "batched: decode step / token gap ms", "one at a time: decode step / token gap ms");
        static string Latencies(EngineLatencies? l) => l is null ? "–" : $"{Number.Ms(l.DecodeStepMedianMs)} / {Number.Ms(l.TokenGapMedianMs)}";
        foreach (var x in c.Concurrency)
            load.Row(x.Conversations.ToString(), x.TokensPerAnswer.ToString(), x.BatchedTokens.ToString(), Number.Rate(x.BatchedTokensPerSecond), Number.Rate(x.SequentialTokensPerSecond),
                Number.Ratio(x.BatchedTokensPerSecond / x.SequentialTokensPerSecond), Latencies(x.Batched), Latencies(x.Sequential));
        md.Append(load).AppendLine();
        md.AppendLine("Decode step and token gap: medians of the engine's own histograms (`osprey_engine_step_duration_seconds{kind=\"decode\"}`, `osprey_engine_inter_token_gap_seconds`) over each phase; a gap above the step is time between steps (prompts joining, the loop's own work).");
        md.AppendLine();
        var e = c.EncodeStall;
        var stall = new MarkdownTable("encode stall", "decode step ms", "longest gap ms", "gap / step", "gap of the newcomer's first step ms", "tokens meanwhile", "encode beside decoding ms", "encode alone ms (least stall on the engine thread)", "alone / step", "longest gap with nothing else running ms (same number of steps)", "its gap / step");
        var encoder = (c.EncodeThreads is { } threads ? $"encoder at {threads} thread(s)" : "encoder at libtorch's default threads")
            + (c.EncodeTurnPerStep is { } turn ? $", sliced between steps, turns of {turn.ToString(System.Globalization.CultureInfo.InvariantCulture)} step" : ", beside the steps")
            + (c.DecodeStepStretch is { } stretch ? $"; joins paced to {stretch.ToString(System.Globalization.CultureInfo.InvariantCulture)}× the step" : "; joins unpaced");
        stall.Row(encoder, Number.Ms(e.DecodeStepMs),
            Number.Ms(e.MaxGapMs) + (e.CoveredWholeEncode ? "" : " (conversation ended first)"), Number.Ratio(e.GapOverStep), Number.Ms(e.JoinGapMs), e.TokensDuringEncode.ToString(),
            Number.Ms(e.EncodeWhileDecodingMs), Number.Ms(e.EncodeAloneMs), Number.Ratio(e.EncodeAloneMs / e.DecodeStepMs),
            e.GapsAlone > 0 ? $"{Number.Ms(e.MaxGapAloneMs)} ({e.GapsAlone} steps)" : "–", e.GapsAlone > 0 ? Number.Ratio(e.GapAloneOverStep) : "–");
        md.Append(stall).AppendLine();
        if (e is { GapsMs.Count: > 0, GapsAloneMs.Count: > 0 })
        {
            string Spread(IReadOnlyList<double> gaps) => FormattableString.Invariant(
                $"median {Number.Ratio(Percentiles.NearestRank(gaps, 0.5) / e.DecodeStepMs)}, 90th percentile {Number.Ratio(Percentiles.NearestRank(gaps, 0.9) / e.DecodeStepMs)}, 99th {Number.Ratio(Percentiles.NearestRank(gaps, 0.99) / e.DecodeStepMs)}, longest {Number.Ratio(gaps[^1] / e.DecodeStepMs)}");
            md.AppendLine($"The running conversation's gaps ÷ its step while the other image encoded: {Spread(e.GapsMs)}; with nothing else running: {Spread(e.GapsAloneMs)}.");
            md.AppendLine();
        }
        md.AppendLine($"Chunks of products and attention the engine thread computed itself because the team thread holding them had lost its core: {e.ChunksTakenOver} while the other image encoded, {e.ChunksTakenOverAlone} over the steps with nothing else running.");
        md.AppendLine();
        if (e.Slices is { Slices: > 0 } slices)
        {
            md.AppendLine(FormattableString.Invariant($"The encode beside decoding ran {slices.Slices} slices (median {Number.Ms(slices.MedianMs)} ms); the longest of each part, from `osprey_engine_encode_slice_duration_seconds`: ")
                + string.Join(", ", slices.LongestMsByPart.Select(p => $"{p.Key} {Number.Ms(p.Value)} ms")) + "."
                + (e.Steps is { Steps: > 0 } steps ? $" Engine steps meanwhile: {steps.Steps}, median {Number.Ms(steps.StepMedianMs)} ms, longest {Number.Ms(steps.StepMaxMs)} ms ({steps.LongestStepKind})." : "")
                + (e.Runtime is { } rt ? FormattableString.Invariant($" The .NET runtime meanwhile: {rt.Gen0}/{rt.Gen1}/{rt.Gen2} collections of generations 0/1/2 pausing {Number.Ms(rt.GcPauseMs)} ms in all, {rt.CompiledMethods} methods compiled in {Number.Ms(rt.CompilingMs)} ms.") : "")
                + (e.Threads is { Count: > 0 } busiest ? " CPU time by thread over the window: " + string.Join(", ", busiest.Select(t => $"{t.Name} {Number.Ms(t.Ms)} ms")) + "." : "")
                + $" Turns lent to the encoder: {e.TurnsLent}; slices that ran past their turn and its grace, beside a step: {e.SlicesOverlappingSteps}.");
            md.AppendLine();
        }
        if (c.PeakRssBytes is { } peak)
            md.AppendLine($"Resident memory of the process (gateway and silo) over the cluster phase: peak {Number.GiB(peak)} GiB, {Number.GiB(c.EndRssBytes)} GiB at its end.").AppendLine();
        md.AppendLine($"Encoder calls vs images: {c.ConversationImageEncodes} encode(s) for {c.ConversationImages} image over {c.ConversationTurnsServed} turns in {c.Conversations} conversations (the {c.StockImageEncodes} stock-path runs re-encoded by construction, {c.StockImageEncodes} encodes).");
        md.AppendLine();
        var wire = new MarkdownTable("turn", "request bytes", "response events", "response bytes", "conversation state bytes (storage write)");
        foreach (var w in c.Wire)
            wire.Row(w.Turn.ToString(), w.RequestBytes.ToString(), w.ResponseEvents.ToString(), w.ResponseBytes.ToString(), w.StateBytes.ToString());
        md.Append(wire).AppendLine();
        md.AppendLine(FormattableString.Invariant(
            $"Bytes crossing silos per turn are the gateway ↔ conversation-grain call: the request and the streamed events, sized in Orleans' wire format (message headers not included). The conversation grain's call to its image grain stays on the silo (image-affinity placement). Once per conversation: create {c.CreateConversationBytes} B; once per image: upload {c.ImageUploadBytes} B. What never crosses: the tensors resident on the silo for the image and its conversation after turn 1 (features, prefix KV cache, conversation KV cache), {Number.MiB(c.ResidentBytesPerImage)} MiB."));
        md.AppendLine();
    }
}
