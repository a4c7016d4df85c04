using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Training;

/// <summary>
/// <see cref="Count"/> synthetic examples, built lazily in blocks of <see cref="BlockSize"/> (each block a
/// balanced dataset of its own, seeded by a hash of the run seed and the block number, so blocks never
/// coincide with an evaluation set built directly from a small seed). Epochs repeat the same examples.
/// </summary>
public sealed class SyntheticTrainingSource : ITrainingSource
{
    public const int BlockSize = 64;
    private readonly SyntheticDatasetBuilder _builder;
    private readonly long _seed;
    private int _cachedBlock = -1;
    private IReadOnlyList<InstructionSample> _block = [];

    public SyntheticTrainingSource(int count, long seed, SceneOptions? sceneOptions = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "at least one synthetic example");
        Count = count;
        _seed = seed;
        _builder = new SyntheticDatasetBuilder(sceneOptions);
    }

    public int Count { get; }

    public static long BlockSeed(long seed, int block) => (long)(SeededRandom.Derive(seed, block, purpose: 0x7472).NextUInt64() >> 1);

    public TrainingExample Get(long sampleNumber)
    {
        var index = (int)(sampleNumber % Count);
        var block = index / BlockSize;
        if (block != _cachedBlock)
        {
            _block = _builder.Build(BlockSeed(_seed, block), BlockSize);
            _cachedBlock = block;
        }
        return TrainingExample.FromSynthetic(_block[index % BlockSize]);
    }
}
