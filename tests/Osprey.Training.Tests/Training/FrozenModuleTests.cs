using Osprey.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Tests.Training;

public class FrozenModuleTests
{
    [Theory]
    [InlineData("2")]
    [InlineData("3")]
    public void OnlyTheStagesModulesChange(string stage)
    {
        var modules = TrainingStage.Parse(stage);
        var prefixes = TrainingStage.Prefixes(modules);
        var root = Directory.CreateTempSubdirectory("osprey-frozen").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 9);
            var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel,
                       new ListTrainingSource(TinyTraining.Examples(2, 4)), TinyTraining.Options(2, 2, modules), root, TextWriter.Null))
                trainer.Run();

            foreach (var (name, parameter) in model.named_parameters())
            {
                var trained = prefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
                var unchanged = parameter.allclose(before[name], rtol: 0, atol: 0);
                if (!trained) Assert.True(unchanged, $"{name} is frozen in stage {stage} but changed");
            }
            // Every trained module moved (a sum over the module, as a single bias can legitimately get no gradient).
            foreach (var prefix in prefixes)
            {
                var moved = model.named_parameters().Where(p => p.name.StartsWith(prefix, StringComparison.Ordinal))
                    .Any(p => !p.parameter.allclose(before[p.name], rtol: 0, atol: 0));
                Assert.True(moved, $"{prefix} is trained in stage {stage} but did not change");
            }
            foreach (var t in before.Values) t.Dispose();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void StagesSelectThePapersModules()
    {
        Assert.Equal(TrainableModules.Projector, TrainingStage.Parse("1"));
        Assert.Equal(TrainableModules.MaskExtractor, TrainingStage.Parse("2"));
        Assert.Equal(TrainableModules.All & ~TrainableModules.VisionTrunk, TrainingStage.Parse("3"));
        Assert.Equal(TrainableModules.Llm | TrainableModules.MaskExtractor, TrainingStage.Parse("llm, mask_extractor"));
        Assert.Throws<ArgumentException>(() => TrainingStage.Parse("4"));
    }
}
