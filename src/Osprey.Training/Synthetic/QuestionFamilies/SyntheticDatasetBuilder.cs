namespace Osprey.Training.Synthetic.QuestionFamilies;

/// <summary>
/// Builds a balanced synthetic instruction dataset: scene after scene (same seed ⇒ same scenes), each
/// scene answers <c>SamplesPerScene</c> questions of distinct families, always the applicable families
/// with the fewest samples so far (relative to their weights, when a training mixture weighs some
/// families more). A held-out split is simply another seed.
/// </summary>
public sealed class SyntheticDatasetBuilder
{
    private readonly SceneGenerator _generator;
    private readonly IReadOnlyList<IQuestionFamily> _families;
    private readonly IReadOnlyList<double> _weights;

    public const int DefaultSamplesPerScene = 4;

    /// <param name="weights">Relative sampling weight of each family (default: all equal).</param>
    public SyntheticDatasetBuilder(SceneOptions? sceneOptions = null, int samplesPerScene = DefaultSamplesPerScene, IReadOnlyList<IQuestionFamily>? families = null,
        IReadOnlyList<double>? weights = null)
    {
        if (samplesPerScene < 1) throw new ArgumentOutOfRangeException(nameof(samplesPerScene), samplesPerScene, "At least one sample per scene.");
        _generator = new SceneGenerator(sceneOptions);
        _families = families ?? AllFamilies();
        if (_families.Count == 0) throw new ArgumentException("No question families.", nameof(families));
        _weights = weights ?? _families.Select(_ => 1.0).ToList();
        if (_weights.Count != _families.Count || _weights.Any(w => !(w > 0) || double.IsInfinity(w)))
            throw new ArgumentException("One positive, finite weight per family.", nameof(weights));
        SamplesPerScene = samplesPerScene;
    }

    public int SamplesPerScene { get; }

    public IReadOnlyList<IQuestionFamily> Families => _families;

    public static IReadOnlyList<IQuestionFamily> AllFamilies() =>
    [
        new DescriptionFamily(), new CategoryFamily(), new ColourFamily(), new PositionFamily(), new SizeFamily(),
        new ComparisonFamily(), new CountingFamily(), new PartFamily(), new MultiTurnFamily(), new YesNoFamily(),
    ];

    /// <summary>
    /// Families asked only when named (<c>--families</c>): outside the default mixture, so adding one
    /// leaves the draws of every default training and evaluation command as they were.
    /// </summary>
    public static IReadOnlyList<IQuestionFamily> OptInFamilies() => [new WhichRegionFamily()];

    /// <summary>Every family a command may name: the default mixture's and the opt-in ones.</summary>
    public static IReadOnlyList<IQuestionFamily> NameableFamilies() => [.. AllFamilies(), .. OptInFamilies()];

    /// <summary>The families named in a comma list (e.g. "category,colour,yesno").</summary>
    public static IReadOnlyList<IQuestionFamily> FamiliesNamed(string names)
    {
        var all = NameableFamilies();
        var chosen = new List<IQuestionFamily>();
        foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var family = all.FirstOrDefault(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? throw new ArgumentException($"unknown question family '{name}': use {string.Join(", ", all.Select(f => f.Name))}");
            if (!chosen.Contains(family)) chosen.Add(family);
        }
        if (chosen.Count == 0) throw new ArgumentException("name at least one question family");
        return chosen;
    }

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
                .OrderBy(f => counts[f] / _weights[f])
                .ThenBy(f => (f - sceneIndex % _families.Count + _families.Count) % _families.Count)
                .Take(Math.Min(SamplesPerScene, sampleCount - samples.Count))
                .ToList();
            foreach (int f in chosen)
                samples.Add(_families[f].Create(scene, rng, counts[f]++));
        }
        return samples;
    }
}
