using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Training;

namespace Osprey.Training.Tests.Training;

public class ResumeTests
{
    [Fact]
    public void ResumedRunRepeatsTheLossesOfAnUninterruptedOne()
    {
        var source = new ListTrainingSource(TinyTraining.Examples(8, 6));
        var options = TinyTraining.Options(steps: 4, batchSize: 2);
        var root = Directory.CreateTempSubdirectory("osprey-resume").FullName;
        try
        {
            IReadOnlyList<double> uninterrupted;
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source, options, Path.Combine(root, "a"), TextWriter.Null))
                uninterrupted = trainer.Run();

            var outDir = Path.Combine(root, "b");
            IReadOnlyList<double> firstHalf;
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source, options with { Steps = 2 }, outDir, TextWriter.Null))
                firstHalf = trainer.Run();

            // A new process: weights from the resume checkpoint, then optimizer moments and step.
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            IReadOnlyList<double> secondHalf;
            using (var engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32))
            using (var trainer = new Trainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null))
            {
                trainer.RestoreOptimizerAndStep(resumeDir);
                Assert.Equal(2, trainer.Step);
                secondHalf = trainer.Run();
            }

            LossCurves.AssertResumedRepeats(uninterrupted, firstHalf, secondHalf);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
