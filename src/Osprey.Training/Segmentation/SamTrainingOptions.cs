namespace Osprey.Training.Segmentation;

/// <summary>Knobs of <see cref="SamTrainer"/>; the defaults are what <c>scripts/train-default-sam.sh</c> ships.</summary>
public sealed record SamTrainingOptions
{
    public required int Steps { get; init; }
    /// <summary>Scenes per update; every object of each gives a click, a box and a click pair.</summary>
    public int ScenesPerStep { get; init; } = 4;
    public double LearningRate { get; init; } = 1e-3;
    public int WarmupSteps { get; init; } = 60;
    public double MinLearningRateFraction { get; init; } = 0.05;
    public double WeightDecay { get; init; } = 0.01;
    public double ClipNorm { get; init; } = 1.0;
    /// <summary>Seeds the initial weights and names the training scenes (scene i of this seed).</summary>
    public long Seed { get; init; } = 1;
    /// <summary>How far (pixels) each side of a training box may stray from the tight box.</summary>
    public int BoxJitter { get; init; } = 2;
    /// <summary>Margin around an object's box in which its background click of a click pair is drawn.</summary>
    public int NearMargin { get; init; } = 8;
    /// <summary>
    /// Single clicks per object and scene. Clicks past the first are drawn after every other prompt of
    /// the scene, so 1 repeats the earlier recipe's draws exactly; more teach clicks (the prompt the
    /// held-out evaluation finds weakest) more often for the cost of mask-decoder passes only.
    /// </summary>
    public int ClicksPerObject { get; init; } = 1;
    public int LogEvery { get; init; } = 20;
}
