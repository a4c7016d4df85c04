using Osprey.Engine.Language;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Language;

/// <summary>The LLaMA forward against stories260K's reference outputs (llama2.c run.c and the HF layout).</summary>
public sealed class ReferenceFidelityTests
{
    public static TheoryData<string> CaseNames => new(Stories260K.Cases.Select(c => c.Name));

    /// <summary>
    /// run.c's loop: positions 0..steps-1 are run, prompt included; from the last prompt position on,
    /// the argmax is the next token, and an argmax of BOS (id 1) stops without being emitted.
    /// </summary>
    internal static List<long> GreedyAsRunC(LlamaForCausalLM model, long[] prompt, int steps)
    {
        using var scope = torch.NewDisposeScope();
        using var cache = model.NewCache();
        var logits = model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids(prompt)), cache)]);
        var position = prompt.Length - 1;
        var generated = new List<long>();
        while (true)
        {
            var next = logits[0].argmax().item<long>();
            if (next == 1) break;
            generated.Add(next);
            if (++position >= steps) break;
            logits = model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids([next])), cache)]);
        }
        return generated;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Greedy_ids_equal_run_c(string name)
    {
        var expected = Stories260K.Case(name);
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        var generated = GreedyAsRunC(model, expected.PromptIds, Stories260K.Steps);
        Assert.Equal(expected.GeneratedIds, generated);
        var positionsRun = expected.PromptIds.Length + generated.Count - (expected.StoppedOnBos ? 0 : 1);
        Assert.Equal(expected.PositionsRun, positionsRun);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Prefill_logits_match_reference(string name)
    {
        var expectedCase = Stories260K.Case(name);
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var expected = Stories260K.ExpectedLogits($"{name}.prefill_logits");
        using var logits = Stories260K.AllLogits(model, expectedCase.PromptIds);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        Assert.True(Stories260K.MaxAbsDiff(logits, expected) < 1e-4, $"max |Δ| = {Stories260K.MaxAbsDiff(logits, expected):E2}");
    }

    [Fact]
    public void Logits_at_every_position_of_a_generated_story_match_reference()
    {
        var story = Stories260K.Case("story_chunk");
        using var model = Stories260K.Load();
        // no_grad rather than inference mode: the forward must work under either.
        using var noGrad = torch.no_grad();
        using var expected = Stories260K.ExpectedLogits("story_chunk.all_logits");
        using var logits = Stories260K.AllLogits(model, story.PromptIds.Concat(story.GeneratedIds));
        Assert.Equal([35L, 512L], logits.shape);
        Assert.True(Stories260K.MaxAbsDiff(logits, expected) < 1e-4, $"max |Δ| = {Stories260K.MaxAbsDiff(logits, expected):E2}");
    }

    [Fact]
    public void Last_position_logits_equal_the_last_row_of_all_positions()
    {
        var story = Stories260K.Case("story_chunk");
        using var model = Stories260K.Load();
        using var inference = torch.inference_mode();
        using var cache = model.NewCache();
        using var last = model.Forward([new SequenceChunk(model.EmbedTokens(Stories260K.Ids(story.PromptIds)), cache)]);
        using var expected = Stories260K.ExpectedLogits("story_chunk.prefill_logits");
        Assert.Equal([1L, 512L], last.shape);
        Assert.True(Stories260K.MaxAbsDiff(last, expected[^1].unsqueeze(0)) < 1e-4);
        Assert.Equal(story.PromptIds.Length, cache.Length);
    }
}
