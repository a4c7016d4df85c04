using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Evaluation;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;

namespace Osprey.Training.Tests.Training;

/// <summary>
/// The committed default model must keep answering held-out category and colour questions: these
/// answers exist only if the image, the masks and the region tokens go through the engine exactly as
/// in training, so a regression anywhere in the mask path fails here.
/// </summary>
public class DefaultModelTests
{
    /// <summary>Never used for training (training blocks are seeded by hashes of the run seed).</summary>
    private const long HeldOutSeed = 2_000_003;

    [Fact]
    public async Task AnswersHeldOutCategoryAndColourQuestions()
    {
        var samples = new SyntheticDatasetBuilder(new SceneOptions { ImageSize = 128 }, samplesPerScene: 2,
                families: [new CategoryFamily(), new ColourFamily()])
            .Build(HeldOutSeed, 50).Select(EvalSampleSource.FromSynthetic).ToList();
        using var engine = OspreyEngine.Load(RepositoryPaths.DefaultModel, EngineOptions.Cpu32);
        using var answerer = new ModelAnswerer(engine);
        var report = await new EvaluationHarness(answerer.AnswerAsync).RunAsync(samples.Select(s => s with { SwappedRegions = null }));

        var correct = report.Families.Values.Sum(f => f.Accuracy * f.N);
        var total = report.Families.Values.Sum(f => f.N);
        Assert.Equal(50, total);
        Assert.True(correct / total >= 0.9,
            string.Join(", ", report.Families.Select(f => $"{f.Key} {f.Value.Accuracy:P0} of {f.Value.N}")));
    }
}
