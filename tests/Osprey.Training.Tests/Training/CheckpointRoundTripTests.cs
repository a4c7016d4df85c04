using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Tests.Training;

public class CheckpointRoundTripTests
{
    [Fact]
    public void SavedModelLoadsThroughTheEngineWithIdenticalLogits()
    {
        var example = TinyTraining.Examples(5, 1)[0];
        var tokenized = new AnswerTokenizer(TinyTraining.Tokenizer).Tokenize(example);
        var dir = Directory.CreateTempSubdirectory("osprey-roundtrip").FullName;
        try
        {
            using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 21);
            ModelDirectoryWriter.Write(model, RepositoryPaths.TokenizerModel, TinyTraining.Tokenizer, dir, dtype: null);
            Assert.True(File.Exists(Path.Combine(dir, "config.json")));
            Assert.True(File.Exists(Path.Combine(dir, "tokenizer.model")));
            Assert.True(File.Exists(Path.Combine(dir, "added_tokens.json")));

            using var engine = OspreyEngine.Load(dir, EngineOptions.Cpu32);
            using var expected = PromptLogits.Of(model, example, tokenized.Ids);
            using var actual = PromptLogits.Of(engine.Model, example, tokenized.Ids);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.allclose(actual, rtol: 0, atol: 0), $"max difference {(expected - actual).abs().max().item<float>()}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
