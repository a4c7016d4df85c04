namespace Osprey.Training.Training;

/// <summary>
/// Training examples by global sample number (epoch after epoch), deterministic for a seed, so a
/// resumed run continues with exactly the examples an uninterrupted run would have seen.
/// </summary>
public interface ITrainingSource
{
    /// <summary>Examples per epoch.</summary>
    int Count { get; }

    TrainingExample Get(long sampleNumber);

    /// <summary>
    /// What the examples are, in words that differ whenever the examples would (checkpoints record it,
    /// so a resume with other data options is refused rather than silently training on other data).
    /// </summary>
    string Description { get; }
}
