using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Training;

/// <summary>
/// Synthetic training examples, built lazily in blocks (each block a balanced dataset of its own,
/// seeded by a hash of the run seed and the block number, so blocks never coincide with an
/// evaluation set built directly from a small seed). Epochs repeat the same examples.
/// With <c>mergeScenes</c>, the questions the builder asks about one scene become one multi-turn
/// conversation: the image and system prompt, most of every sequence, are then paid for once per
/// scene instead of once per question, which multiplies the answer tokens per unit of compute. The
/// first turn is always a fresh single question, exactly what evaluation and inference ask.
/// </summary>
public sealed class SyntheticTrainingSource : ITrainingSource
{
    public const int QuestionsPerBlock = 64;
    private readonly SyntheticDatasetBuilder _builder;
    private readonly long _seed;
    private readonly bool _mergeScenes;
    private readonly int _examplesPerBlock;
    private int _cachedBlock = -1;
    private List<TrainingExample> _block = [];

    /// <param name="questions">Questions per epoch (rounded up to whole blocks of <see cref="QuestionsPerBlock"/>).</param>
    /// <param name="families">Question families to draw from (default: all of them).</param>
    /// <param name="mixture">How the questions lean away from the balanced evaluation mixture (default: they do not).</param>
    public SyntheticTrainingSource(int questions, long seed, SceneOptions? sceneOptions = null, bool mergeScenes = true,
        IReadOnlyList<IQuestionFamily>? families = null, QuestionMixture? mixture = null)
    {
        if (questions < 1) throw new ArgumentOutOfRangeException(nameof(questions), questions, "at least one synthetic question");
        _seed = seed;
        _mergeScenes = mergeScenes;
        mixture ??= QuestionMixture.Balanced;
        mixture.Validate();
        families = mixture.Apply(families ?? SyntheticDatasetBuilder.AllFamilies());
        var weights = mixture.WeightsOf(families);
        _builder = new SyntheticDatasetBuilder(sceneOptions, Math.Min(SyntheticDatasetBuilder.DefaultSamplesPerScene, families.Count), families, weights);
        _examplesPerBlock = mergeScenes ? QuestionsPerBlock / _builder.SamplesPerScene : QuestionsPerBlock;
        Count = (questions + QuestionsPerBlock - 1) / QuestionsPerBlock * _examplesPerBlock;
        Description = $"synthetic: {Count} {(mergeScenes ? "scene conversations" : "questions")} per epoch, {sceneOptions ?? new SceneOptions()}, " +
                      $"families {string.Join(",", families.Select((f, i) => weights[i] == 1 ? f.Name : $"{f.Name}={weights[i]:R}"))}, " +
                      mixture.DescribeLeanings();
    }

    public string Description { get; }

    public int Count { get; }

    public static long BlockSeed(long seed, int block) => (long)(SeededRandom.Derive(seed, block, purpose: 0x7472).NextUInt64() >> 1);

    public TrainingExample Get(long sampleNumber)
    {
        var index = (int)(sampleNumber % Count);
        var block = index / _examplesPerBlock;
        if (block != _cachedBlock)
        {
            var samples = _builder.Build(BlockSeed(_seed, block), QuestionsPerBlock);
            _block = _mergeScenes
                ? samples.GroupBy(s => s.Scene.Index).Select(g => TrainingExample.Merge(g.Select(TrainingExample.FromSynthetic).ToList())).ToList()
                : samples.Select(TrainingExample.FromSynthetic).ToList();
            _cachedBlock = block;
        }
        // A block of scenes with few applicable families can hold fewer conversations: wrap around.
        return _block[index % _examplesPerBlock % _block.Count];
    }
}
