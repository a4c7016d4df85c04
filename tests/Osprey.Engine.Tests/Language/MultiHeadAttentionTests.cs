using Osprey.Engine.Checkpoints;
using Osprey.Engine.Language;
using Osprey.Engine.Layers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>
/// The one-query-per-key-head path (Vicuna-7B's layout) against the same reference: stories260K's
/// grouped K/V heads repeated per query head give a plain multi-head model with identical outputs.
/// </summary>
public sealed class MultiHeadAttentionTests(ITestOutputHelper output)
{
    private static LlamaForCausalLM LoadAsMultiHead()
    {
        var config = Stories260K.Config with { NumKeyValueHeads = Stories260K.Config.NumHeads };
        var group = Stories260K.Config.NumHeads / Stories260K.Config.NumKeyValueHeads;
        var model = new LlamaForCausalLM(config, ParameterAllocation.CpuFloat32);
        using var file = SafetensorsFile.Open(FixturePaths.File("stories260k", "model.safetensors"));
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var scope = torch.NewDisposeScope();
            var stored = file.Read(name);
            if (name.EndsWith("k_proj.weight") || name.EndsWith("v_proj.weight"))
                stored = stored.view(Stories260K.Config.NumKeyValueHeads, config.HeadDim, config.HiddenSize)
                    .repeat_interleave(group, 0).reshape(parameter.shape);
            parameter.copy_(stored);
        }
        return model;
    }

    [Fact]
    public void Multi_head_layout_reproduces_reference_logits_with_and_without_cache()
    {
        var story = Stories260K.Case("story_chunk");
        long[] ids = [.. story.PromptIds, .. story.GeneratedIds];
        using var model = LoadAsMultiHead();
        using var inference = torch.inference_mode();
        using var scope = torch.NewDisposeScope();
        using var expected = Stories260K.ExpectedLogits("story_chunk.all_logits");

        var full = Stories260K.AllLogits(model, ids);
        using var parent = model.NewCache();
        var rows = new List<Tensor>
        {
            model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids(ids[..9])), parent)], allPositions: true),
            model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids(ids[9..14])), parent)], allPositions: true),
        };
        using var fork = parent.Fork();
        rows.Add(model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids(ids[14..20])), fork)], allPositions: true));
        for (var i = 20; i < ids.Length; i++)
            rows.Add(model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids([ids[i]])), fork)]));
        var cached = torch.cat(rows.ToArray(), 0);

        var fullDiff = Stories260K.MaxAbsDiff(full, expected);
        var cachedDiff = Stories260K.MaxAbsDiff(cached, expected);
        output.WriteLine($"multi-head layout: uncached max |Δ| {fullDiff:E2}, cached + forked {cachedDiff:E2}");
        Assert.True(fullDiff < 1e-4 && cachedDiff < 1e-4);
    }
}
