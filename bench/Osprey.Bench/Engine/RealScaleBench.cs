using System.Diagnostics;
using Osprey.Engine;
using Osprey.Engine.Checkpoints;
using Osprey.Engine.Devices;
using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Serving;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Bench.Engine;

/// <summary>
/// <c>osprey bench --real-scale DIR</c>: a full-size model directory (e.g. the random Osprey-7B that
/// scripts/write-random-osprey-7b.py writes) loaded through <see cref="OspreyEngine.Load"/> the way
/// <c>osprey describe</c> loads it, then one conversation: image encode, the first turn's prefill, a
/// follow-up question's prefill from the kept KV cache, and a decode step. At 7B on a small CPU a
/// prefill takes minutes, so the long phases run once, cold, as a first request would (the image
/// encode and the short phases get one warm-up); a dtype that does not fit is refused by the engine
/// before it allocates, and that refusal is the result.
/// </summary>
public sealed class RealScaleBench(string directory, EngineBenchSettings settings, Action<string> log)
{
    public RealScaleResult Run(string dtype)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        PeakMemory.Reset();
        log($"{dtype}: loading {directory}");
        OspreyEngine engine;
        var watch = Stopwatch.StartNew();
        try
        {
            engine = OspreyEngine.Load(directory, new EngineOptions { DType = dtype });
        }
        catch (CheckpointException e) when (e.Error == CheckpointError.InsufficientMemory)
        {
            log($"{dtype}: refused: {e.Message}");
            return new RealScaleResult { DType = dtype, Refusal = e.Message };
        }
        var loadSeconds = watch.Elapsed.TotalSeconds;
        var loadPeak = PeakMemory.HighWaterBytes();
        using (engine)
        {
            var model = engine.Model;
            var weightBytes = model.parameters().Sum(p => p.numel() * p.element_size());
            // As a serving engine does once its model is loaded: what is timed is what is served.
            ServingEngine.PrepareToServe(model);
            log($"{dtype}: loaded in {loadSeconds:F1} s, peak RSS {Number.GiB(loadPeak)} GiB for {Number.GiB(weightBytes)} GiB of weights");
            using var inference = torch.inference_mode();
            using var scope = torch.NewDisposeScope();
            var llm = model.llm;
            using var generator = new Generator((ulong)settings.Seed);
            var pixels = torch.randn([1, 3, model.Config.ImageSize, model.Config.ImageSize], generator: generator).to(model.Device);

            log($"{dtype}: image encode");
            var visionMs = Timing.Best(1, () => { using var f = model.EncodeImage(pixels); });
            using var features = model.EncodeImage(pixels);
            var textTokens = Math.Max(1, settings.PrefillTokens - features.TokenCount);
            var prompt = torch.cat([features.ImageTokens, RandomTokens(llm, textTokens, generator)], 0);
            var promptTokens = (int)prompt.shape[0];

            log($"{dtype}: prefill of a first turn, {promptTokens} positions");
            using var firstTurn = llm.NewCache();
            var prefillMs = Timing.Once(() => llm.Forward([new SequenceChunk(prompt, firstTurn)]).Dispose());

            log($"{dtype}: follow-up prefill, {settings.FollowUpTokens} tokens");
            var followUp = RandomTokens(llm, settings.FollowUpTokens, generator);
            var followUpMs = Timing.Best(1, () =>
            {
                using var fork = firstTurn.Fork();
                llm.Forward([new SequenceChunk(followUp, fork)]).Dispose();
            });

            log($"{dtype}: decode steps");
            var token = RandomTokens(llm, 1, generator);
            using var decode = firstTurn.Fork();
            llm.Forward([new SequenceChunk(token, decode)]).Dispose(); // warm-up
            var steps = Math.Max(1, settings.DecodeSteps);
            var decodeMs = Timing.Once(() =>
            {
                for (var i = 0; i < steps; i++) llm.Forward([new SequenceChunk(token, decode)]).Dispose();
            }) / steps;

            return new RealScaleResult
            {
                DType = dtype,
                LoadSeconds = loadSeconds,
                LoadPeakRssBytes = loadPeak,
                WeightBytes = weightBytes,
                VisionEncodeMs = visionMs,
                ImageTokens = features.TokenCount,
                PrefillTokens = promptTokens,
                PrefillMs = prefillMs,
                FollowUpTokens = settings.FollowUpTokens,
                FollowUpMs = followUpMs,
                DecodeStepMs = decodeMs,
                PeakRssBytes = PeakMemory.HighWaterBytes(),
            };
        }
    }

    private static Tensor RandomTokens(LlamaForCausalLM llm, int count, Generator generator)
    {
        using var ids = torch.randint(3, 32000, [count], generator: generator, dtype: ScalarType.Int64);
        return llm.EmbedTokens(ids.to(llm.Device));
    }
}
