using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The engine's scheduler on osprey-tiny: prompts prefilled in chunks under the per-step token budget
/// answer as one prefill does, a long prompt progresses while other sequences keep decoding, and a
/// sequence whose K/V does not fit the memory budget beside the running ones waits for them.
/// </summary>
public sealed class TokenBudgetSchedulerTests
{
    private static ServingEngine Start(ServingOptions options) =>
        ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), options);

    private static SequenceRequest Request(ServingEngine serving, string question, SamplingParams sampling)
    {
        var directory = Path.Combine(FixturePaths.OspreyTiny, "cases", "p1_shapes_640x480");
        var bytes = File.ReadAllBytes(Path.Combine(directory, "image.png"));
        var image = new ImageDecoder().Decode(bytes, "p1");
        var masks = Directory.GetFiles(directory, "mask*.png").Order()
            .Select(p => new MaskPngDecoder().DecodeFile(p).EnsureSize(image.Height, image.Width, p).Data).ToList();
        var regions = new RegionMaskSet(image.Width, image.Height, masks);
        var prompt = ChatPrompt.Conversation(serving.Tokenizer, regions.Count, [], question);
        return SequenceRequest.For(new ImageSource("p1", bytes), prompt, regions, sampling);
    }

    private const string Question = "Give a short description of <region1>, and say how it differs from every other region in the picture.";

    [Fact]
    public async Task A_prompt_prefilled_in_chunks_answers_as_one_prefill()
    {
        var sampling = SamplingParams.Greedy with { MaxNewTokens = 8 };
        SequenceOutcome whole, chunked;
        using (var serving = Start(new ServingOptions()))
            whole = await serving.Complete(Request(serving, Question, sampling) with { ReturnPromptLogits = true });
        // 17 positions a step (the least a batch of 16 allows): the prompt takes several steps.
        using (var serving = Start(new ServingOptions { MaxBatchedTokens = 17 }))
            chunked = await serving.Complete(Request(serving, Question, sampling) with { ReturnPromptLogits = true });

        Assert.True(whole.PrefilledPositions > 3 * 17, $"the prompt prefills {whole.PrefilledPositions} positions, too few to need several chunks");
        Assert.Equal(whole.PrefilledPositions, chunked.PrefilledPositions);
        Assert.Equal(whole.GeneratedIds, chunked.GeneratedIds);
        var diff = whole.PromptLogits!.Zip(chunked.PromptLogits!, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(diff < 1e-4, $"last prompt position's logits differ by {diff}");
    }

    [Fact]
    public async Task A_long_prompt_is_prefilled_while_other_sequences_keep_decoding()
    {
        // Two positions a step beside one decode: the new prompt needs tens of steps, and the running
        // sequence must get a token in each of them rather than wait for the whole prefill.
        using var serving = Start(new ServingOptions { MaxBatchSize = 2, MaxBatchedTokens = 3 });
        var running = Request(serving, "What is <region1>?", SamplingParams.Greedy with { MaxNewTokens = 400, StopStrings = [] });
        var tokensOfRunning = 0;
        var firstToken = new TaskCompletionSource();
        var decoding = Task.Run(async () =>
        {
            await foreach (var e in serving.Generate(running))
                if (e.IsToken && Interlocked.Increment(ref tokensOfRunning) == 1) firstToken.SetResult();
        });
        await firstToken.Task;

        var before = Volatile.Read(ref tokensOfRunning);
        var newcomer = await serving.Complete(Request(serving, Question, SamplingParams.Greedy with { MaxNewTokens = 1 }));
        var during = Volatile.Read(ref tokensOfRunning) - before;

        var steps = newcomer.PrefilledPositions / 2;
        Assert.True(steps >= 20, $"{newcomer.PrefilledPositions} positions are too few to show chunking");
        Assert.False(decoding.IsCompleted, "the running sequence ended before the new prompt was prefilled");
        // Each prefill step carried a decode of the running sequence.
        Assert.True(during >= steps - 1, $"the running sequence got {during} tokens while {steps} prefill steps ran");
        await decoding;
    }

    [Fact]
    public async Task A_sequence_waits_for_memory_the_running_ones_hold_and_runs_beside_them_when_there_is_room()
    {
        // Long enough answers that the second prompt's prefill, paced beside the first one's decode steps,
        // ends while the first still decodes.
        var sampling = SamplingParams.Greedy with { MaxNewTokens = 96, StopStrings = [] };

        async Task<(DateTime FirstEnd, DateTime SecondStart)> Overlap(ServingEngine serving)
        {
            var ends = new DateTime[2];
            var starts = new DateTime[2];
            async Task Run(int i, string question)
            {
                await foreach (var e in serving.Generate(Request(serving, question, sampling)))
                {
                    if (e.IsToken && starts[i] == default) starts[i] = DateTime.UtcNow;
                    if (!e.IsToken) ends[i] = DateTime.UtcNow;
                }
            }
            await serving.EnsureImage(Request(serving, "x", sampling).Image);
            await Task.WhenAll(Run(0, "What is <region1>?"), Run(1, "Give a short description of <region1>."));
            // Whichever was admitted first: the other's first token against its end.
            var first = starts[0] <= starts[1] ? 0 : 1;
            return (ends[first], starts[1 - first]);
        }

        // A budget of one byte has no room for any K/V beside a running sequence: they run one at a time.
        using (var tight = Start(new ServingOptions { MemoryBudgetBytes = 1 }))
        {
            var (firstEnd, secondStart) = await Overlap(tight);
            Assert.True(secondStart >= firstEnd, "the second sequence ran beside the first with no memory for it");
        }
        using (var roomy = Start(new ServingOptions()))
        {
            var (firstEnd, secondStart) = await Overlap(roomy);
            Assert.True(secondStart < firstEnd, "the second sequence waited although the budget had room");
        }
    }

    [Fact]
    public void A_token_budget_that_could_starve_prompts_is_refused()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ServingOptions { MaxBatchSize = 16, MaxBatchedTokens = 16 }.Validate());
        Assert.Contains("must exceed the batch size", error.Message);
    }
}
