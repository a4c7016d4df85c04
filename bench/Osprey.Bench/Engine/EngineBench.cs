using System.Diagnostics;
using Osprey.Engine.Devices;
using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
using Osprey.Engine.Serving;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Bench.Engine;

/// <summary>
/// Times one Osprey model's phases on the engine's own APIs: image encode (trunk + projector), region
/// encode, prefill of a first-turn prompt, decode steps for one and for several sequences in one packed
/// forward, and a follow-up turn computed from scratch versus from the kept KV cache.
/// </summary>
public static class EngineBench
{
    public static EngineResult Run(string name, OspreyModel model, EngineBenchSettings settings, Action<string> log)
    {
        // As a serving engine does once its model is loaded: what is timed is what is served.
        ServingEngine.PrepareToServe(model);
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        PeakMemory.Reset();
        var llm = model.llm;
        var config = model.Config;
        using var generator = new Generator((ulong)settings.Seed);
        var pixels = torch.randn([1, 3, config.ImageSize, config.ImageSize], generator: generator);

        double? visionMs = null, regionMs = null;
        ImageFeatures? features = null;
        Tensor prompt;
        if (settings.LanguageOnly)
            prompt = RandomTokens(llm, settings.PrefillTokens, generator);
        else
        {
            log("vision encode");
            visionMs = Timing.Best(settings.Repeat, () => { using var f = model.EncodeImage(pixels); });
            features = model.EncodeImage(pixels);
            var masks = CenteredSquare(config.ImageSize);
            regionMs = Timing.Best(settings.Repeat, () => { using var r = model.EncodeRegions(features, masks); });
            var textTokens = Math.Max(1, settings.PrefillTokens - features.TokenCount);
            prompt = torch.cat([features.ImageTokens, RandomTokens(llm, textTokens, generator)], 0);
        }
        var promptTokens = (int)prompt.shape[0];
        var imageTokens = features?.TokenCount ?? 0;
        var followUp = RandomTokens(llm, settings.FollowUpTokens, generator);

        log($"prefill {promptTokens} tokens");
        // Full-size warm-up: first-call kernel selection and the first allocation of prefill-sized
        // activations (page faults) would otherwise land in the single timed run.
        Prefill(llm, prompt).Dispose();
        KvCache? kept = null;
        var prefillMs = Timing.Once(() => kept = Prefill(llm, prompt));
        using var firstTurn = kept!;

        log("decode steps");
        var token = RandomTokens(llm, 1, generator);
        var batch1Ms = DecodeStep(llm, firstTurn, token, 1, settings.DecodeSteps);
        var batchedMs = DecodeStep(llm, firstTurn, token, settings.DecodeBatch, settings.DecodeSteps);
        InterleavedDecode? interleaved = null;
        if (settings.PeerDecodeStep is { } peer)
        {
            log($"batch-1 decode steps in turn with the peer, {settings.InterleavedRounds} rounds");
            interleaved = InterleavedDecode.Measure(settings.InterleavedRounds,
                () => DecodeStep(llm, firstTurn, token, 1, settings.DecodeSteps), () => peer(settings.DecodeSteps));
        }
        log($"batch-1 decode steps in turn with the read yardstick, {settings.InterleavedRounds} rounds");
        DecodeBesideRead besideRead;
        using (var readSource = torch.ones(HardwareYardstick.BandwidthBytes / 4, dtype: ScalarType.Float32))
            besideRead = DecodeBesideRead.Measure(settings.InterleavedRounds,
                () => DecodeStep(llm, firstTurn, token, 1, settings.DecodeSteps), () => HardwareYardstick.SumRate(readSource, 3));
        log("decode step profile");
        DecodeProfile[] profiles =
        [
            DecodeProfile.Measure(llm, firstTurn, 1, settings.DecodeSteps),
            DecodeProfile.Measure(llm, firstTurn, settings.DecodeBatch, settings.DecodeSteps),
        ];

        log("follow-up turn: from scratch, then from the kept cache");
        double? naiveMs = settings.LanguageOnly ? null : Timing.Once(() =>
        {
            using var turn = torch.NewDisposeScope();
            using var image = model.EncodeImage(pixels);
            var everything = torch.cat([image.ImageTokens, prompt.narrow(0, imageTokens, promptTokens - imageTokens), followUp], 0);
            using var fresh = llm.NewCache();
            llm.Forward([new SequenceChunk(everything, fresh)]).Dispose();
        });
        var cachedMs = Timing.Best(settings.Repeat, () =>
        {
            using var fork = firstTurn.Fork();
            llm.Forward([new SequenceChunk(followUp, fork)]).Dispose();
        });

        features?.Dispose();
        return new EngineResult
        {
            Model = name,
            DType = Osprey.Engine.Devices.DTypeName.Format(model.DType),
            VisionEncodeMs = visionMs,
            RegionEncodeMs = regionMs,
            PrefillTokens = promptTokens,
            PrefillMs = prefillMs,
            DecodeStepBatch1Ms = batch1Ms,
            DecodeBatch = settings.DecodeBatch,
            DecodeStepBatchedMs = batchedMs,
            FollowUpTokens = settings.FollowUpTokens,
            NaiveFollowUpMs = naiveMs,
            CachedFollowUpMs = cachedMs,
            PeakRssBytes = PeakMemory.HighWaterBytes(),
            WeightBytes = model.parameters().Sum(p => p.numel() * p.element_size()),
            DecodeProfiles = profiles,
            InterleavedBatch1 = interleaved,
            DecodeBesideRead = besideRead,
        };
    }

    private static KvCache Prefill(LlamaForCausalLM llm, Tensor embeddings)
    {
        var cache = llm.NewCache();
        llm.Forward([new SequenceChunk(embeddings, cache)]).Dispose();
        return cache;
    }

    /// <summary>
    /// How long decode steps run untimed before they are timed: what a server pays once, in its first
    /// seconds, is not the step it serves after them. Under .NET's tiered compilation a fresh process ran
    /// its first steps on unoptimised code (bench model, bf16, 2-core AMD EPYC of family 26, 2026-12-06:
    /// the step after one warm-up took 124–144 ms, steps settled at 42–49 ms after about 60 more, 3 s).
    /// The bench, like the serving hosts, now compiles every method optimised on its first call
    /// (<c>build/ServingProcess.props</c>); the untimed steps still cover what a first step does once,
    /// such as oneDNN generating its kernel for each tile shape.
    /// </summary>
    public static readonly TimeSpan DecodeWarmUp = TimeSpan.FromSeconds(3);

    /// <summary>Untimed steps at most (each adds a position to the context): past 30 calls of every step's methods, within any model's context.</summary>
    private const int MostDecodeWarmUpSteps = 64;

    /// <summary>
    /// Median time of one decode step for <paramref name="batch"/> sequences continuing the same first turn
    /// (each a fork of it, as concurrent conversations about one image are), one packed forward per step.
    /// </summary>
    private static double DecodeStep(LlamaForCausalLM llm, KvCache firstTurn, Tensor token, int batch, int steps)
    {
        var forks = Enumerable.Range(0, batch).Select(_ => firstTurn.Fork()).ToList();
        try
        {
            var chunks = forks.Select(f => new SequenceChunk(token, f)).ToList();
            var warmUp = Stopwatch.StartNew();
            for (var i = 0; i < 2 || (i < MostDecodeWarmUpSteps && warmUp.Elapsed < DecodeWarmUp); i++) llm.Forward(chunks).Dispose();
            return Timing.Median(steps, () => llm.Forward(chunks).Dispose());
        }
        finally
        {
            foreach (var fork in forks) fork.Dispose();
        }
    }

    private static Tensor RandomTokens(LlamaForCausalLM llm, int count, Generator generator)
    {
        using var ids = torch.randint(3, 32000, [count], generator: generator, dtype: ScalarType.Int64);
        return llm.EmbedTokens(ids.to(llm.Device));
    }

    /// <summary>One region: a centred square covering a quarter of the image.</summary>
    private static Tensor CenteredSquare(int size)
    {
        var mask = torch.zeros([1, size, size], dtype: ScalarType.Float32);
        mask[TensorIndex.Colon, TensorIndex.Slice(size / 4, 3 * size / 4), TensorIndex.Slice(size / 4, 3 * size / 4)] = torch.tensor(1f);
        return mask;
    }
}
