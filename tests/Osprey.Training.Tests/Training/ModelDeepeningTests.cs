using Osprey.Training.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Training.Tests.Training;

public class ModelDeepeningTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AnInsertedLayerChangesNoLogitsAndMovesTheOthersUp(int insertAt)
    {
        var example = TinyTraining.Examples(5, 1)[0];
        var ids = new AnswerTokenizer(TinyTraining.Tokenizer).Tokenize(example).Ids;
        using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 21);
        using var deeper = ModelDeepening.InsertLayer(model, TinyTraining.Tokenizer, insertAt, seed: 5);

        Assert.Equal(model.Config.Language.NumLayers + 1, deeper.Config.Language.NumLayers);
        var layers = model.llm.model.layers.ToArray();
        var grown = deeper.llm.model.layers.ToArray();
        for (int i = 0; i < layers.Length; i++)
        {
            var moved = grown[i < insertAt ? i : i + 1];
            Assert.True((layers[i].self_attn.q_proj.weight - moved.self_attn.q_proj.weight).abs().max().item<float>() == 0, $"layer {i}");
        }
        // The new layer is not a copy: its input projections are its own, its outputs zero.
        Assert.False(grown[insertAt].mlp.up_proj.weight.abs().max().item<float>() == 0);
        Assert.Equal(0f, grown[insertAt].mlp.down_proj.weight.abs().max().item<float>());

        using var expected = PromptLogits.Of(model, example, ids);
        using var actual = PromptLogits.Of(deeper, example, ids);
        Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-5), $"max difference {(expected - actual).abs().max().item<float>()}");
    }

    [Fact]
    public void ADepthOutsideTheModelIsRefused()
    {
        using var model = FreshModel.Create(TinyTraining.Config, TinyTraining.Tokenizer, seed: 21);
        Assert.Throws<ArgumentOutOfRangeException>(() => ModelDeepening.InsertLayer(model, TinyTraining.Tokenizer, model.Config.Language.NumLayers + 1, seed: 5));
    }
}
