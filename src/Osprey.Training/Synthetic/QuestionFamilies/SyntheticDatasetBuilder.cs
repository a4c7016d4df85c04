namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// Builds a balanced synthetic instruction dataset: scene after scene (same seed ⇒ same scenes), each
/// scene answers <c>SamplesPerScene</c> questions of distinct families, always the applicable families
/// with the fewest samples so far. A held-out split is simply another seed.
/// </summary>
public sealed class SyntheticDatasetBuilder
{
    private readonly SceneGenerator _generator;
    private readonly IReadOnlyList<IQuestionFamily> _families;

    public SyntheticDatasetBuilder(SceneOptions? sceneOptions = null, int samplesPerScene = 4, IReadOnlyList<IQuestionFamily>? families = null)
    {
        if (samplesPerScene < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerScene), samplesPerScene, "At least one sample per scene.");
        _generator = new SceneGenerator(sceneOptions);
        _families = families ?? AllFamilies();
        if (_families.Count == 0) throw new ArgumentException("No question families.", nameof(families));
        SamplesPerScene = samplesPerScene;
    }

    public int SamplesPerScene { get; }

    public IReadOnlyList<IQuestionFamily> Families => _families;

    public static IReadOnlyList<IQuestionFamily> AllFamilies() =>
    [
        new DescriptionFamily(), new CategoryFamily(), new ColourFamily(), new PositionFamily(), new SizeFamily(),
        new ComparisonFamily(), new CountingFamily(), new PartFamily(), new MultiTurnFamily(), new YesNoFamily(),
    ];

    public IReadOnlyList<InstructionSample> Build(long seed, int sampleCount)
    {
        if (sampleCount < 0) throw new ArgumentOutOfRangeException(nameof(sampleCount));
        var samples = new List<InstructionSample>(sampleCount);
        var counts = new int[_families.Count];
        for (int sceneIndex = 0; samples.Count < sampleCount; sceneIndex++)
        {
            var scene = _generator.Generate(seed, sceneIndex);
            var rng = SeededRandom.Derive(seed, sceneIndex, purpose: 2);
            var chosen = Enumerable.Range(0, _families.Count)
                .Where(f => _families[f].AppliesTo(scene))
                .OrderBy(f => counts[f])
                .ThenBy(f => (f - sceneIndex % _families.Count + _families.Count) % _families.Count)
                .Take(Math.Min(SamplesPerScene, sampleCount - samples.Count))
                .ToList();
            foreach (int f in chosen)
                samples.Add(_families[f].Create(scene, rng, counts[f]++));
        }
        return samples;
    }
}
