using Osprey.Training.Training;

namespace Osprey.Training.Tests.Training;

/// <summary>A fixed list of examples, in order, epoch after epoch.</summary>
public sealed class ListTrainingSource(IReadOnlyList<TrainingExample> examples) : ITrainingSource
{
    public int Count => examples.Count;

    public TrainingExample Get(long sampleNumber) => examples[(int)(sampleNumber % examples.Count)];

    public string Description => $"{examples.Count} listed examples";
}
