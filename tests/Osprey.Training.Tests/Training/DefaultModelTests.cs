using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Serving;
using Osprey.Training.Evaluation;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Training;

/// <summary>
/// The committed default model must keep naming the category and the colour of held-out regions,
/// telling which of two is larger or smaller and whether a region has an asked colour or category, and
/// must stop doing so when the masks are moved to other objects: such answers exist only if the
/// image, the masks and the region tokens go through the engine exactly as in training, so a
/// regression anywhere in the mask path fails here.
/// </summary>
public class DefaultModelTests
{
    /// <summary>Never used for training (training blocks are seeded by hashes of the run seed).</summary>
    private const long HeldOutSeed = 2_000_003;

    [Theory]
    [InlineData(QuestionFamily.Category)]
    [InlineData(QuestionFamily.Colour)]
    [InlineData(QuestionFamily.Comparison)]
    [InlineData(QuestionFamily.YesNo)]
    public async Task NamesTheAttributeOfHeldOutRegionsFromTheirMasks(string family)
    {
        var samples = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 128 }, samplesPerScene: 1,
                families: SyntheticDatasetBuilder.FamiliesNamed(family))
            .Build(HeldOutSeed, 50).Select(EvalSampleSource.FromSynthetic).ToList();
        using var serving = ServingEngine.Start(OspreyEngine.Load(RepositoryPaths.DefaultModel, EngineOptions.Cpu32), new ServingOptions());
        var answerer = new ModelAnswerer(serving);
        var report = await new EvaluationHarness(answerer.AnswerAsync).RunAsync(samples);

        var score = report.Families[family];
        Assert.Equal(50, score.N);
        Assert.True(score.Accuracy >= 0.9, $"held-out {family} accuracy {score.Accuracy:P0}");
        var swapped = report.Swapped[family];
        Assert.True(swapped.N >= 20, $"only {swapped.N} multi-object scenes");
        Assert.True(swapped.Accuracy <= Math.Max(0.5, swapped.Chance + 0.2),
            $"with the masks on other objects the {family} accuracy is still {swapped.Accuracy:P0} (chance {swapped.Chance:P0})");
    }
}
