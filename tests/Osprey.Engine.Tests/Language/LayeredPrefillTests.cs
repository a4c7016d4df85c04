using Osprey.Engine.Devices;
using Osprey.Engine.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>
/// A prefill run a third of a layer at a time, with other forwards between its stages, fills its cache
/// with the bits of the model's ordinary forward over the same chunk.
/// </summary>
public sealed class LayeredPrefillTests
{
    [Fact]
    public void Stage_by_stage_the_cache_holds_the_bits_of_an_ordinary_forward()
    {
        using var inference = torch.inference_mode();
        using var engine = OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32);
        var llm = engine.Model.llm;
        using var scope = torch.NewDisposeScope();
        var prompt = llm.EmbedTokens(torch.arange(3, 40, dtype: ScalarType.Int64));

        using var ordinary = llm.NewCache();
        llm.Forward([new SequenceChunk(prompt, ordinary)]);

        using var staged = llm.NewCache();
        using var other = llm.NewCache();
        var stages = 0;
        using (var prefill = llm.BeginLayeredPrefill(new SequenceChunk(prompt, staged)))
        {
            Assert.Equal(engine.Config.Language.NumLayers * LlamaDecoderLayer.Stages, prefill.StageCount);
            while (!prefill.IsDone)
            {
                prefill.RunStage();
                stages++;
                using var between = torch.NewDisposeScope();
                llm.Forward([new SequenceChunk(llm.EmbedTokens(torch.tensor(new long[] { 1 + stages })), other)]);
            }
            Assert.Throws<InvalidOperationException>(prefill.RunStage);
        }

        Assert.Equal(engine.Config.Language.NumLayers * 3, stages);
        Assert.Equal(ordinary.Length, staged.Length);
        var next = llm.EmbedTokens(torch.tensor(new long[] { 5, 17, 29 }));
        var expected = llm.Forward([new SequenceChunk(next, ordinary)], allPositions: true);
        var actual = llm.Forward([new SequenceChunk(next, staged)], allPositions: true);
        Assert.True(expected.eq(actual).all().item<bool>(), "logits after the staged prefill differ from the ordinary forward's");
    }
}
