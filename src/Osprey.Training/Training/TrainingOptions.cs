namespace Osprey.Training.Training;

/// <summary>Hyper-parameters and bookkeeping of one training run.</summary>
public sealed record TrainingOptions
{
    public int Steps { get; init; } = 1000;
    public int BatchSize { get; init; } = 8;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>
    /// Multiplies the learning rate of the modules that make image and region tokens (vision trunk,
    /// projector, mask extractor), as LLaVA-style recipes give the projector its own rate.
    /// </summary>
    public double VisionLearningRateScale { get; init; } = 1.0;
    public int WarmupSteps { get; init; } = 50;
    public double MinLearningRateFraction { get; init; } = 0.1;
    public double WeightDecay { get; init; } = 0.01;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.98;
    public double ClipNorm { get; init; } = 1.0;
    public long Seed { get; init; } = 1;
    public TrainableModules Modules { get; init; } = TrainableModules.All;
    /// <summary>Write a resumable checkpoint every this many steps (and at the end); 0 = only at the end.</summary>
    public int CheckpointEvery { get; init; } = 200;
    /// <summary>Print a progress line every this many steps.</summary>
    public int LogEvery { get; init; } = 10;
    /// <summary>
    /// Model replicas that share each batch, one thread each (data parallelism on one machine); 1 keeps
    /// the single-model step. The batch mean is the same, its float rounding is not.
    /// </summary>
    public int Workers { get; init; } = 1;
    /// <summary>A term teaching one head to look at the region each answer is about; null: the answer loss alone.</summary>
    public RegionAttention? RegionAttention { get; init; }

    public void Validate()
    {
        if (Steps < 1) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, "at least one step");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "at least one example per step");
        if (LearningRate <= 0) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be positive");
        if (!(VisionLearningRateScale > 0) || double.IsInfinity(VisionLearningRateScale))
            throw new ArgumentOutOfRangeException(nameof(VisionLearningRateScale), VisionLearningRateScale, "must be positive");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, "cannot be negative");
        if (ClipNorm <= 0) throw new ArgumentOutOfRangeException(nameof(ClipNorm), ClipNorm, "must be positive");
        if (CheckpointEvery < 0) throw new ArgumentOutOfRangeException(nameof(CheckpointEvery), CheckpointEvery, "cannot be negative");
        if (Workers < 1 || Workers > BatchSize)
            throw new ArgumentOutOfRangeException(nameof(Workers), Workers, $"between 1 and the batch size ({BatchSize})");
        if (Modules == TrainableModules.None) throw new ArgumentException("no module is trainable", nameof(Modules));
    }
}
