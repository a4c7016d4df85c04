using System.CommandLine;
using Osprey.Engine.Devices;
using Osprey.Training.Training;

namespace Osprey.Cli.Commands;

/// <summary>
/// The options every training command shares (steps, batch, learning-rate schedule, clipping, weight
/// decay, seed, checkpoint and log cadence, data-parallel workers) and how they become <see cref="TrainingOptions"/>.
/// </summary>
public sealed class OptimizationOptions
{
    private readonly Option<long> _seed = new("--seed") { DefaultValueFactory = _ => 1 };
    private readonly Option<int> _steps = new("--steps") { Required = true };
    private readonly Option<int> _batchSize;
    private readonly Option<double> _lr;
    private readonly Option<int> _warmup = new("--warmup") { DefaultValueFactory = _ => 50 };
    private readonly Option<double> _clip = new("--clip") { DefaultValueFactory = _ => 1.0 };
    private readonly Option<double> _weightDecay = new("--weight-decay") { DefaultValueFactory = _ => 0.01 };
    private readonly Option<int> _checkpointEvery = new("--checkpoint-every") { DefaultValueFactory = _ => 200 };
    private readonly Option<int> _logEvery = new("--log-every") { DefaultValueFactory = _ => 10 };
    private readonly Option<int> _workers = new("--workers")
    {
        Description = "Model replicas that split each batch, one thread each (use one per core, with --threads 1)",
        DefaultValueFactory = _ => 1,
    };

    private readonly Option<TrainingKernels> _kernels = new("--kernels")
    {
        Description = "portable: the same weights on every AVX2 CPU, slowest; avx2: the same weights on every AVX2 CPU of one vendor, about as fast as native; native: this CPU's fastest kernels, the same weights on this kind of CPU only",
        DefaultValueFactory = _ => TrainingKernels.Portable,
    };

    public OptimizationOptions(double defaultLearningRate, string batchDescription)
    {
        _lr = new Option<double>("--lr") { DefaultValueFactory = _ => defaultLearningRate };
        _batchSize = new Option<int>("--batch-size") { Description = batchDescription, DefaultValueFactory = _ => 8 };
    }

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _seed, _steps, _batchSize, _lr, _warmup, _clip, _weightDecay, _checkpointEvery, _logEvery, _workers, _kernels })
            command.Options.Add(option);
    }

    public TrainingOptions Bind(ParseResult result, TrainableModules modules, double visionLearningRateScale = 1.0)
    {
        var options = new TrainingOptions
        {
            Steps = result.GetValue(_steps),
            BatchSize = result.GetValue(_batchSize),
            LearningRate = result.GetValue(_lr),
            VisionLearningRateScale = visionLearningRateScale,
            WarmupSteps = result.GetValue(_warmup),
            ClipNorm = result.GetValue(_clip),
            WeightDecay = result.GetValue(_weightDecay),
            Seed = result.GetValue(_seed),
            Modules = modules,
            CheckpointEvery = result.GetValue(_checkpointEvery),
            LogEvery = Math.Max(1, result.GetValue(_logEvery)),
            Workers = result.GetValue(_workers),
        };
        options.Validate();
        // Before anything computes: the libraries read the pins once, when libtorch loads.
        KernelPins.Apply(result.GetValue(_kernels));
        Console.WriteLine($"kernels: {KernelPins.Current.ToString().ToLowerInvariant()}; huge pages for large tensors: {(TensorHugePages.InEffect ? "on" : "off")}");
        return options;
    }
}
