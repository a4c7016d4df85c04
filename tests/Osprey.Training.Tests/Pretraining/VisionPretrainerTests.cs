using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Pretraining;
using Osprey.Training.Synthetic;
using Osprey.Training.Tests.Training;
using Osprey.Training.Training;
using TorchSharp;

namespace Osprey.Training.Tests.Pretraining;

public class VisionPretrainerTests
{
    private static readonly SceneOptions Scenes = new() { ImageSize = 64 };

    private static TrainingOptions Options(int steps) => TinyTraining.Options(steps, batchSize: 4, lr: 5e-3) with { Modules = VisionPretrainer.Modules };

    [Fact]
    public void LowersTheAttributeLossAndLeavesProjectorAndLanguageModelUntouched()
    {
        var outDir = Directory.CreateTempSubdirectory("osprey-pretrain").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0);
            var frozenBefore = Snapshot(model, "llm.", "mm_projector.");
            var trunkBefore = Snapshot(model, "vision_trunk.");
            IReadOnlyList<double> losses;
            using (var trainer = new VisionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Scenes, Options(40), outDir, TextWriter.Null))
                losses = trainer.Run();

            Assert.Equal(40, losses.Count);
            var first = losses.Take(5).Average();
            var last = losses.TakeLast(5).Average();
            Assert.True(last < 0.85 * first, $"attribute loss {first:F3} → {last:F3}");
            foreach (var (name, value) in Snapshot(model, "llm.", "mm_projector."))
                Assert.True(value.SequenceEqual(frozenBefore[name]), $"{name} changed");
            Assert.Contains(Snapshot(model, "vision_trunk."), p => !p.Value.SequenceEqual(trunkBefore[p.Key]));

            // The exported directory is a plain model: it loads and holds exactly the model's tensors.
            using var engine = OspreyEngine.Load(outDir, EngineOptions.Cpu32);
            Assert.Equal(model.named_parameters().Select(p => p.name).Order(), engine.Model.named_parameters().Select(p => p.name).Order());
            Assert.True(File.Exists(Path.Combine(outDir, Trainer.ResumeDirectoryName, VisionPretrainer.HeadsFileName)));
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void ResumedRunRepeatsTheLossesOfAnUninterruptedOne()
    {
        var root = Directory.CreateTempSubdirectory("osprey-pretrain-resume").FullName;
        try
        {
            IReadOnlyList<double> uninterrupted;
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0))
            using (var trainer = new VisionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Scenes, Options(4), Path.Combine(root, "a"), TextWriter.Null))
                uninterrupted = trainer.Run();

            var outDir = Path.Combine(root, "b");
            IReadOnlyList<double> firstHalf;
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0))
            using (var trainer = new VisionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Scenes, Options(4) with { Steps = 2 }, outDir, TextWriter.Null))
                firstHalf = trainer.Run();

            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            IReadOnlyList<double> secondHalf;
            using (var engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32))
            using (var trainer = new VisionPretrainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, Scenes, Options(4), outDir, TextWriter.Null))
            {
                trainer.RestoreHeadsOptimizerAndStep(resumeDir);
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
    public void RefusesToResumeAnOrdinaryTrainingCheckpoint()
    {
        var outDir = Directory.CreateTempSubdirectory("osprey-pretrain-refuse").FullName;
        try
        {
            var source = new ListTrainingSource(TinyTraining.Examples(8, 4));
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, source, TinyTraining.Options(1, 4), outDir, TextWriter.Null))
                trainer.Run();
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            using var engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32);
            using var pretrainer = new VisionPretrainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, Scenes, Options(4), outDir, TextWriter.Null);
            var error = Assert.Throws<InvalidOperationException>(() => pretrainer.RestoreHeadsOptimizerAndStep(resumeDir));
            Assert.Contains("not a vision pretraining run", error.Message);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    [Fact]
    public void RefusesToResumeWithAnotherSceneSize()
    {
        var outDir = Directory.CreateTempSubdirectory("osprey-pretrain-scenes").FullName;
        try
        {
            using (var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5))
            using (var trainer = new VisionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Scenes, Options(1), outDir, TextWriter.Null))
                trainer.Run();
            var resumeDir = Path.Combine(outDir, Trainer.ResumeDirectoryName);
            using var engine = OspreyEngine.Load(resumeDir, EngineOptions.Cpu32);
            using var pretrainer = new VisionPretrainer(engine.Model, engine.Tokenizer, RepositoryPaths.TokenizerModel, Scenes with { ImageSize = 96 }, Options(4), outDir, TextWriter.Null);
            var error = Assert.Throws<InvalidOperationException>(() => pretrainer.RestoreHeadsOptimizerAndStep(resumeDir));
            Assert.Contains("same data options", error.Message);
            Assert.Contains("ImageSize = 96", error.Message);
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    internal static Dictionary<string, float[]> Snapshot(torch.nn.Module model, params string[] prefixes) =>
        model.named_parameters()
            .Where(p => prefixes.Any(prefix => p.name.StartsWith(prefix, StringComparison.Ordinal)))
            .ToDictionary(p => p.name, p => p.parameter.detach().cpu().to(torch.ScalarType.Float32).data<float>().ToArray());
}
