using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Serving;

namespace OspreyCluster.Grains.Hosting;

/// <summary>
/// This silo's engine: loads the model while the silo starts (before it takes grain activations) and
/// stops the engine loop when the silo stops.
/// </summary>
public sealed class SiloServingEngine(IOptions<OspreyClusterOptions> options, ILogger<SiloServingEngine> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private ServingEngine? _engine;

    public ServingEngine Engine => _engine ?? throw new InvalidOperationException("The engine is not loaded yet.");

    /// <summary>The engine while it runs; null before it is loaded and after the silo stopped it.</summary>
    public ServingEngine? Running => _engine;

    public OspreyClusterOptions Options => options.Value;

    /// <summary>The served model's name: its directory's, as clients of the OpenAI-compatible API see it.</summary>
    public string ModelName => Path.GetFileName(Path.TrimEndingDirectorySeparator(Options.ResolveModelDirectory()));

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloServingEngine), ServiceLifecycleStage.RuntimeServices, Start, Stop);

    private async Task Start(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (settings.TurnDeadline <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(settings.TurnDeadline), settings.TurnDeadline, "Osprey:TurnDeadline must be positive");
        var modelDirectory = settings.ResolveModelDirectory();
        var engineOptions = EngineOptionsOf(settings);
        logger.LogInformation("Loading the Osprey model from {ModelDirectory} ({Device}, {DType} from {Configured}; CPU bf16: {CpuBf16})", modelDirectory,
            settings.Device, DTypeName.Format(engineOptions.TorchDType), settings.DType, CpuFeatures.Current.HasBf16);
        var engine = await Task.Run(() => OspreyEngine.Load(modelDirectory, engineOptions), cancellationToken);
        _engine = ServingEngine.Start(engine, new ServingOptions
        {
            MaxBatchSize = settings.MaxBatchSize,
            MaxWaitingSequences = settings.MaxWaitingSequences,
            MemoryBudgetBytes = settings.MemoryBudgetBytes,
        });
        logger.LogInformation("Osprey engine ready: budget {Budget} bytes, batch {Batch}, at most {Waiting} waiting, turn deadline {Deadline}",
            settings.MemoryBudgetBytes, settings.MaxBatchSize, settings.MaxWaitingSequences, settings.TurnDeadline);
    }

    private Task Stop(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    private static EngineOptions EngineOptionsOf(OspreyClusterOptions settings) => new()
    {
        Device = settings.Device,
        DType = settings.DType,
    };

    public void Dispose()
    {
        Interlocked.Exchange(ref _engine, null)?.Dispose();
    }
}
