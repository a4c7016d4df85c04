using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Segmentation;
using Osprey.Engine.Serving;
using OspreyCluster.Grains.Metrics;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Grains.Hosting;

/// <summary>
/// Loads the configured model (and the Segment Anything model, when one is configured or shipped) and
/// starts its serving loop: every silo's engine outside the benchmark's simulation. The loop records its
/// latencies on the silo's meter, labelled with the silo like the engine's counters.
/// </summary>
public sealed class ModelEngineSource(ILogger<ModelEngineSource> logger, IMeterFactory meters, ILocalSiloDetails silo) : ISequenceEngineSource
{
    public async Task<ISequenceEngine> StartAsync(OspreyClusterOptions settings, CancellationToken cancellationToken)
    {
        var modelDirectory = settings.ResolveModelDirectory();
        var engineOptions = new EngineOptions { Device = settings.Device, DType = settings.DType };
        logger.LogInformation("Loading the Osprey model from {ModelDirectory} ({Device}, dtype {Configured}; CPU bf16: {CpuBf16})", modelDirectory,
            settings.Device, settings.DType, CpuFeatures.Current.HasBf16);
        var engine = await Task.Run(() => OspreyEngine.Load(modelDirectory, engineOptions), cancellationToken);
        logger.LogInformation("Loaded the Osprey model in {DType}; huge pages for large tensors: {HugePages}", engine.Options.DType,
            TensorHugePages.InEffect ? "on" : "off");
        if (OperatingSystem.IsLinux() && !NativeHeap.OneArena)
            logger.LogWarning("{Variable} is not 1: the engine's threads allocate from malloc arenas that map every block above 64 MB afresh (slower encodes, prefill and batched steps); "
                + "the Dockerfiles and launch settings set it", NativeHeap.ArenaLimitVariable);
        SamModel? sam = null;
        if (settings.ResolveSamModelDirectory() is { } samDirectory)
        {
            logger.LogInformation("Loading the Segment Anything model from {SamDirectory}", samDirectory);
            try
            {
                sam = await Task.Run(() => SamCheckpoint.Load(samDirectory, TorchSharp.torch.device(settings.Device)), cancellationToken);
            }
            catch
            {
                engine.Dispose();
                throw;
            }
        }
        var serving = ServingEngine.Start(engine, new ServingOptions
        {
            MaxBatchSize = settings.MaxBatchSize,
            MaxBatchedTokens = settings.MaxBatchedTokens,
            MaxWaitingSequences = settings.MaxWaitingSequences,
            MemoryBudgetBytes = settings.MemoryBudgetBytes,
            EncodeThreads = settings.EncodeThreads,
            EncodeTurnPerStep = settings.EncodeTurnPerStep,
            DecodeStepStretch = settings.DecodeStepStretch,
            WarmUp = settings.WarmUp,
            Latency = new LatencyInstruments(meters.Create(OspreyMeters.Silo), new KeyValuePair<string, object?>(OspreyMeters.SiloLabel, SiloIdentity.Of(silo.SiloAddress))),
        }, sam);
        if (!settings.WarmUp) return serving;
        try
        {
            var took = await serving.WarmedUp.WaitAsync(cancellationToken);
            logger.LogInformation("Warmed up the engine in {Milliseconds:F0} ms", took.TotalMilliseconds);
        }
        catch
        {
            // A model that cannot answer a made-up question cannot answer a user's: the silo does not start.
            serving.Dispose();
            throw;
        }
        return serving;
    }
}
