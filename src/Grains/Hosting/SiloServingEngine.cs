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
public sealed class SiloServingEngine(IOptions<OspreySiloOptions> options, ILogger<SiloServingEngine> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private ServingEngine? _engine;

    public ServingEngine Engine => _engine ?? throw new InvalidOperationException("The engine is not loaded yet.");

    /// <summary>The engine while it runs; null before it is loaded and after the silo stopped it.</summary>
    public ServingEngine? Running => _engine;

    public OspreySiloOptions Options => options.Value;

    /// <summary>The served model's name: its directory's, as clients of the OpenAI-compatible API see it.</summary>
    public string ModelName => Path.GetFileName(Path.TrimEndingDirectorySeparator(Options.ResolveModelDirectory()));

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloServingEngine), ServiceLifecycleStage.RuntimeServices, Start, Stop);

    private async Task Start(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var modelDirectory = settings.ResolveModelDirectory();
        var engineOptions = EngineOptionsOf(settings);
        logger.LogInformation("Loading the Osprey model from {ModelDirectory} ({Device}, {DType} from {Configured}; CPU bf16: {CpuBf16})", modelDirectory,
            settings.Device, DTypeName.Format(engineOptions.TorchDType), settings.DType, CpuFeatures.Current.HasBf16);
        var engine = await Task.Run(() => OspreyEngine.Load(modelDirectory, engineOptions), cancellationToken);
        _engine = ServingEngine.Start(engine, new ServingOptions
        {
            MaxBatchSize = settings.MaxBatchSize,
            MemoryBudgetBytes = settings.MemoryBudgetBytes,
        });
        logger.LogInformation("Osprey engine ready: budget {Budget} bytes, batch {Batch}", settings.MemoryBudgetBytes, settings.MaxBatchSize);
    }

    private Task Stop(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    private static EngineOptions EngineOptionsOf(OspreySiloOptions settings) => new()
    {
        Device = settings.Device,
        DType = settings.DType,
    };

    public void Dispose()
    {
        Interlocked.Exchange(ref _engine, null)?.Dispose();
    }
}
