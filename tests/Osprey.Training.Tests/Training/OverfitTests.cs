using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Serving;
using Osprey.Training.Evaluation;
using Osprey.Training.Synthetic.QuestionFamilies;
using Osprey.Training.Training;

namespace Osprey.Training.Tests.Training;

public class OverfitTests
{
    [Fact]
    public async Task LossFallsAndAHandfulOfSamplesIsLearnedToExactGreedyAnswers()
    {
        var samples = new SyntheticDatasetBuilder(new Osprey.Training.Synthetic.SceneOptions { ImageSize = 64 }, samplesPerScene: 1,
            families: [new CategoryFamily(), new ColourFamily()]).Build(11, 4);
        var examples = samples.Select(TrainingExample.FromSynthetic).ToList();
        var dir = Directory.CreateTempSubdirectory("osprey-overfit").FullName;
        try
        {
            IReadOnlyList<double> losses;
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 3))
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, new ListTrainingSource(examples),
                       TinyTraining.Options(steps: 40, batchSize: 4, lr: 1.5e-2), dir, TextWriter.Null) { ExportDType = null })
                losses = trainer.Run();

            Assert.True(losses.Take(5).Average() > 5, $"first losses {string.Join(", ", losses.Take(5))}");
            Assert.True(losses.TakeLast(5).Average() < 0.25, $"last losses {string.Join(", ", losses.TakeLast(5))}");

            using var serving = ServingEngine.Start(OspreyEngine.Load(dir, EngineOptions.Cpu32), new ServingOptions());
            var answerer = new ModelAnswerer(serving);
            foreach (var sample in samples.Select(EvalSampleSource.FromSynthetic))
                Assert.Equal(sample.ExpectedAnswer, await answerer.AnswerAsync(sample, CancellationToken.None));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
