using Osprey.Training.Pretraining;
using Osprey.Training.Synthetic;
using Osprey.Training.Tests.Training;
using Osprey.Training.Training;
using TorchSharp;

namespace Osprey.Training.Tests.Parallel;

public class DataParallelTrainingTests
{
    private static readonly ListTrainingSource Source = new(TinyTraining.Examples(33, 8));

    [Fact]
    public void TwoWorkersFollowTheSingleModelRun()
    {
        var options = TinyTraining.Options(steps: 4, batchSize: 4);
        var single = Train(options, out _);
        var parallel = Train(options with { Workers = 2 }, out _);
        // Same batches, same mean: only the order of float additions differs.
        Assert.Equal(single.Count, parallel.Count);
        for (int i = 0; i < single.Count; i++)
            Assert.True(Math.Abs(single[i] - parallel[i]) <= 2e-3 * single[i], $"step {i + 1}: loss {single[i]:F6} vs {parallel[i]:F6}");
        Assert.Equal(single[0], parallel[0], 1e-5);
    }

    [Fact]
    public void ARunWithTwoWorkersRepeatsExactly()
    {
        var options = TinyTraining.Options(steps: 3, batchSize: 3) with { Workers = 2 };
        var first = Train(options, out var firstWeights);
        var second = Train(options, out var secondWeights);
        Assert.Equal(first, second);
        Assert.Equal(firstWeights.Keys, secondWeights.Keys);
        foreach (var (name, weights) in firstWeights) Assert.True(weights.SequenceEqual(secondWeights[name]), $"{name} differs");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void RefusesWorkersOutsideOneToTheBatchSize(int workers)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (TinyTraining.Options(steps: 1, batchSize: 4) with { Workers = workers }).Validate());
        Assert.Equal(nameof(TrainingOptions.Workers), error.ParamName);
    }

    [Fact]
    public void VisionPretrainingWithTwoWorkersFollowsTheSingleModelRun()
    {
        var options = TinyTraining.Options(steps: 3, batchSize: 4, lr: 5e-3) with { Modules = VisionPretrainer.Modules };
        var single = Pretrain(options);
        var parallel = Pretrain(options with { Workers = 2 });
        Assert.Equal(single[0], parallel[0], 1e-4);
        for (int i = 0; i < single.Count; i++)
            Assert.True(Math.Abs(single[i] - parallel[i]) <= 2e-3 * single[i], $"step {i + 1}: loss {single[i]:F6} vs {parallel[i]:F6}");
    }

    private static IReadOnlyList<double> Train(TrainingOptions options, out Dictionary<string, float[]> weights)
    {
        var outDir = Directory.CreateTempSubdirectory("osprey-parallel").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5);
            IReadOnlyList<double> losses;
            using (var trainer = new Trainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel, Source, options, outDir, TextWriter.Null))
                losses = trainer.Run();
            weights = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().contiguous().data<float>().ToArray());
            return losses;
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }

    private static IReadOnlyList<double> Pretrain(TrainingOptions options)
    {
        var outDir = Directory.CreateTempSubdirectory("osprey-parallel-pretrain").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 5, layerScale: 1.0);
            using var trainer = new VisionPretrainer(model, TinyTraining.Tokenizer, RepositoryPaths.TokenizerModel,
                new SceneOptions { ImageSize = 64 }, options, outDir, TextWriter.Null);
            return trainer.Run();
        }
        finally
        {
            Directory.Delete(outDir, recursive: true);
        }
    }
}
