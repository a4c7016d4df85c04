using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Synthetic;
using Osprey.Training.Synthetic.QuestionFamilies;
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

    [Fact]
    public void RefusesToResumeWithAnotherSeedOrOtherData()
    {
        var source = new ListTrainingSource(TinyTraining.Examples(8, 4));
        var options = TinyTraining.Options(steps: 2, batchSize: 2);
        var outDir = Directory.CreateTempSubdirectory("osprey-resume-data").FullName;
        try
        {
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source, options with { Steps = 1 }, outDir, TextWriter.Null))
                trainer.Run();
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            Assert.Equal(source.Description, TrainerState.Load(resumeDir).Data);

            using var engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32);
            string Refusal(ITrainingSource data, TrainingOptions run)
            {
                using var trainer = new Trainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, data, run, outDir, TextWriter.Null);
                return Assert.Throws<InvalidOperationException>(() => trainer.RestoreOptimizerAndStep(resumeDir)).Message;
            }
            Assert.Contains("same seed", Refusal(source, options with { Seed = options.Seed + 1 }));
            Assert.Contains("same data options", Refusal(new ListTrainingSource(TinyTraining.Examples(8, 5)), options));

            var synthetic = new SyntheticTrainingSource(64, options.Seed, new SceneOptions { ImageSize = 64 });
            var leaning = new SyntheticTrainingSource(64, options.Seed, new SceneOptions { ImageSize = 64 },
                mixture: new QuestionMixture { ComparisonLargerShare = 0.75 });
            var larger = new SyntheticTrainingSource(64, options.Seed, new SceneOptions { ImageSize = 96 });
            Assert.NotEqual(synthetic.Description, leaning.Description);
            Assert.NotEqual(synthetic.Description, larger.Description);
            Assert.Equal(synthetic.Description, new SyntheticTrainingSource(64, options.Seed, new SceneOptions { ImageSize = 64 }).Description);

            using var resumed = new Trainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, source, options, outDir, TextWriter.Null);
            resumed.RestoreOptimizerAndStep(resumeDir);
            Assert.Equal(1, resumed.Step);

            // This process computes with its CPU's own kernels (nothing pinned them); a checkpoint made
            // with the portable ones would round its next steps otherwise.
            var state = TrainerState.Load(resumeDir);
            Assert.Equal(nameof(TrainingKernels.Native), state.Kernels);
            (state with { Kernels = nameof(TrainingKernels.Portable) }).Save(resumeDir);
            Assert.Contains("same kernels", Refusal(source, options));
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
