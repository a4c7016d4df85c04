using Osprey.Engine;
using Osprey.Engine.Devices;
using Osprey.Engine.Language;
using Osprey.Engine.Multimodal;
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
            using var expected = Logits(model, example, tokenized.Ids);
            using var actual = Logits(engine.Model, example, tokenized.Ids);
            Assert.Equal(expected.shape, actual.shape);
            Assert.True(expected.allclose(actual, rtol: 0, atol: 0), $"max difference {(expected - actual).abs().max().item<float>()}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static Tensor Logits(OspreyModel model, TrainingExample example, int[] ids)
    {
        using var scope = torch.NewDisposeScope();
        using var inference = torch.inference_mode();
        var pixels = new Osprey.Engine.Imaging.ClipPreprocessor(model.Config.ImageSize).Preprocess(example.Image);
        using var features = model.EncodeImage(pixels);
        var regions = model.EncodeRegions(features, torch.stack(example.Regions.Select(r => r.ToTensor()).ToList()));
        var embeddings = model.EmbedPrompt(ids, features, regions);
        using var cache = model.llm.NewCache();
        return scope.MoveToOuter(model.llm.Forward([new SequenceChunk(embeddings, cache)], allPositions: true));
    }
}
