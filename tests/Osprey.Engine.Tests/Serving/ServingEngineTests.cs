using Osprey.Engine.Devices;
using Osprey.Engine.Generation;
using Osprey.Engine.Imaging;
using Osprey.Engine.Prompting;
using Osprey.Engine.Regions;
using Osprey.Engine.Serving;

namespace Osprey.Engine.Tests.Serving;

/// <summary>
/// The serving loop on the osprey-tiny checkpoint, without Orleans: whatever its caches, batch mates,
/// memory budget or cancellations, a conversation gets the answers a full recomputation gives.
/// </summary>
public sealed class ServingEngineTests
{
    private static readonly string[] Questions =
    [
        "What is <region1>?",
        "Which is larger, <region2> or <region1>? Answer the question using a single word or phrase.",
        "Give a short description of <region2>.",
    ];

    private const int NewTokens = 6;

    private static ServingEngine Start(long budget = 4L << 30) =>
        ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), new ServingOptions { MemoryBudgetBytes = budget });

    private static (ImageSource Image, RegionMaskSet Regions) Case(string name)
    {
        var directory = Path.Combine(FixturePaths.OspreyTiny, "cases", name);
        var bytes = File.ReadAllBytes(Path.Combine(directory, "image.png"));
        var image = new ImageDecoder().Decode(bytes, name);
        var masks = Directory.GetFiles(directory, "mask*.png").Order()
            .Select(p => new MaskPngDecoder().DecodeFile(p).EnsureSize(image.Height, image.Width, p).Data).ToList();
        // Every question names two regions: a one-mask case gets a box as its second.
        if (masks.Count == 1) masks.Add(new BoxRegion(1, 1, image.Width / 2, image.Height / 2).ToMask(image.Height, image.Width).Data);
        return (new ImageSource(name, bytes), new RegionMaskSet(image.Width, image.Height, masks));
    }

    private static async Task<List<SequenceOutcome>> Converse(ServingEngine serving, ImageSource image, RegionMaskSet regions, SamplingParams sampling)
    {
        var chat = new RegionChat(serving, image, regions);
        var outcomes = new List<SequenceOutcome>();
        foreach (var question in Questions) outcomes.Add(await chat.Ask(question, sampling));
        return outcomes;
    }

    /// <summary>Each turn as one stateless request.</summary>
    private static async Task<List<SequenceOutcome>> Recompute(ServingEngine serving, ImageSource image, RegionMaskSet regions, SamplingParams sampling)
    {
        var history = new List<(string, IReadOnlyList<int>)>();
        var outcomes = new List<SequenceOutcome>();
        foreach (var question in Questions)
        {
            var prompt = ChatPrompt.Conversation(serving.Tokenizer, regions.Count, history, question);
            var outcome = await serving.Complete(SequenceRequest.For(image, prompt, regions, sampling));
            history.Add((question, outcome.GeneratedIds));
            outcomes.Add(outcome);
        }
        return outcomes;
    }

    [Fact]
    public async Task A_kept_conversation_cache_answers_as_full_recomputation_and_prefills_only_new_tokens()
    {
        var (image, regions) = Case("p1_shapes_640x480");
        var sampling = SamplingParams.Greedy with { MaxNewTokens = NewTokens };
        using var serving = Start();
        var cached = await Converse(serving, image, regions, sampling);
        // A budget that keeps nothing between sequences: every turn is computed from the image up.
        using var starved = Start(budget: 1);
        var recomputed = await Recompute(starved, image, regions, sampling);

        Assert.Equal(recomputed.Select(o => o.GeneratedIds), cached.Select(o => o.GeneratedIds));
        Assert.Equal(recomputed.Select(o => o.PromptPositions), cached.Select(o => o.PromptPositions));
        for (var turn = 1; turn < Questions.Length; turn++)
        {
            Assert.True(cached[turn].PrefixCacheHit);
            Assert.True(cached[turn].PrefilledPositions < recomputed[turn].PrefilledPositions / 2,
                $"turn {turn + 1}: {cached[turn].PrefilledPositions} positions prefilled with the kept cache, {recomputed[turn].PrefilledPositions} without");
        }
        Assert.Equal(1, serving.Metrics().ImageEncodes);
    }

    [Fact]
    public async Task Batched_conversations_answer_as_they_do_one_at_a_time()
    {
        // Two conversations per image, the second with its regions in the other order, so no two
        // conversations share a cached prefix beyond the image's.
        var cases = new[] { "p1_shapes_640x480", "p2_tiny_37x53" }.Select(Case)
            .SelectMany(c => new[] { c, (Image: c.Image, Regions: new RegionMaskSet(c.Regions.Width, c.Regions.Height, [.. c.Regions.Masks.Reverse()])) })
            .ToArray();
        // Sampled, each with its own seed: a sequence's draws must not depend on its batch mates. The
        // random tiny model's distributions are nearly flat, so a draw depends on the last bits of the
        // logits: both runs must compute the same prompts in the same chunks (each turn from its own
        // conversation's kept cache, a token budget no prompt here reaches) and differ only in what
        // they are batched with.
        SamplingParams Sampling(int i) => new() { Temperature = 0.9f, TopP = 0.95f, Seed = (ulong)(17 + i), MaxNewTokens = NewTokens };
        var options = new ServingOptions { MaxBatchedTokens = 8192 };
        List<SequenceOutcome>[] together;
        using (var serving = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), options))
            together = await Task.WhenAll(cases.Select((c, i) => Converse(serving, c.Image, c.Regions, Sampling(i))));
        var alone = new List<List<SequenceOutcome>>();
        using (var serving = ServingEngine.Start(OspreyEngine.Load(FixturePaths.OspreyTiny, EngineOptions.Cpu32), options))
            for (var i = 0; i < cases.Length; i++) alone.Add(await Converse(serving, cases[i].Image, cases[i].Regions, Sampling(i)));

        for (var i = 0; i < cases.Length; i++)
        {
            Assert.Equal(alone[i].Select(o => o.GeneratedIds), together[i].Select(o => o.GeneratedIds));
            Assert.Equal(alone[i].Select(o => o.PrefilledPositions), together[i].Select(o => o.PrefilledPositions));
        }
    }

    [Fact]
    public async Task Under_a_budget_that_evicts_everything_answers_stay_the_same()
    {
        var (image, regions) = Case("p2_tiny_37x53");
        var sampling = SamplingParams.Greedy with { MaxNewTokens = NewTokens };
        List<SequenceOutcome> roomy, starved;
        using (var serving = Start()) roomy = await Converse(serving, image, regions, sampling);
        long encodes;
        using (var serving = Start(budget: 1))
        {
            starved = await Converse(serving, image, regions, sampling);
            encodes = serving.Metrics().ImageEncodes;
        }
        Assert.Equal(roomy.Select(o => o.GeneratedIds), starved.Select(o => o.GeneratedIds));
        Assert.Equal(Questions.Length, encodes);
        Assert.All(starved, o => Assert.False(o.PrefixCacheHit));
    }

    [Fact]
    public async Task Cancelling_frees_the_slot_and_the_conversation_carries_on()
    {
        var (image, regions) = Case("p2_tiny_37x53");
        using var serving = Start();
        var prompt = ChatPrompt.Conversation(serving.Tokenizer, regions.Count, [], Questions[0]);
        var request = SequenceRequest.For(image, prompt, regions, SamplingParams.Greedy with { MaxNewTokens = 200, StopStrings = [] });
        using var cancel = new CancellationTokenSource();
        var tokens = 0;
        long generatedAtCancel = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in serving.Generate(request, cancel.Token))
                if (item.IsToken && ++tokens == 2)
                {
                    generatedAtCancel = serving.Metrics().GeneratedTokens;
                    cancel.Cancel();
                }
        });
        // The engine may sample a few tokens more before its loop sees the cancellation (and the reader
        // may lag the engine by any number), but the sequence stops long before its 200: counted where
        // the tokens are made, once the sequence has left the batch.
        for (var i = 0; i < 100 && serving.Metrics().ActiveSequences > 0; i++) await Task.Delay(20);
        Assert.Equal(0, serving.Metrics().ActiveSequences);
        var generatedAfterCancel = serving.Metrics().GeneratedTokens - generatedAtCancel;
        Assert.InRange(generatedAfterCancel, 0, 18);
        Assert.True(tokens >= 2, $"{tokens} tokens read");

        // The half-extended cache was dropped, not kept: the same prompt starts again from the image prefix,
        // and only the sequence that finished is found by the next one.
        var again = await serving.Complete(request with { Sampling = SamplingParams.Greedy with { MaxNewTokens = NewTokens } });
        Assert.False(again.PrefixCacheHit);
        var cached = await serving.Complete(request with { Sampling = SamplingParams.Greedy with { MaxNewTokens = NewTokens } });
        Assert.True(cached.PrefixCacheHit);
        Assert.Equal(1, cached.PrefilledPositions);
        Assert.Equal(again.GeneratedIds, cached.GeneratedIds);
        for (var i = 0; i < 50 && serving.Metrics().ActiveSequences > 0; i++) await Task.Delay(20);
        Assert.Equal(0, serving.Metrics().ActiveSequences);
    }

    [Fact]
    public async Task A_client_resending_its_history_is_found_by_content_and_prefills_only_the_new_turn()
    {
        var (image, regions) = Case("p1_shapes_640x480");
        var sampling = SamplingParams.Greedy with { MaxNewTokens = NewTokens };
        using var serving = Start();
        var first = await serving.Complete(SequenceRequest.For(image, ChatPrompt.Conversation(serving.Tokenizer, regions.Count, [], Questions[0]), regions, sampling));

        // A new request, no conversation anywhere: the history and the next question, as a stateless client sends them.
        var followUp = ChatPrompt.Conversation(serving.Tokenizer, regions.Count, [(Questions[0], first.GeneratedIds)], Questions[1]);
        var second = await serving.Complete(SequenceRequest.For(image, followUp, regions, sampling));
        var newIds = followUp.Ids.Count - first.PromptPositions + serving.Prefix.ImageTokenCount - 1 - first.GeneratedIds.Count
            + (first.FinishReason == FinishReason.Stop ? 0 : 1);
        Assert.True(second.PrefixCacheHit);
        Assert.Equal(newIds, second.PrefilledPositions);
        Assert.True(second.CachedPositions >= 0.8 * second.PromptPositions, $"{second.CachedPositions} of {second.PromptPositions} positions cached");

        // The same ids about other regions share only the image prefix: region tokens are part of the key.
        var moved = new RegionMaskSet(regions.Width, regions.Height, [regions.Masks[1], regions.Masks[0]]);
        var other = await serving.Complete(SequenceRequest.For(image, followUp, moved, sampling));
        Assert.False(other.PrefixCacheHit);
        using var fresh = Start();
        var expected = await fresh.Complete(SequenceRequest.For(image, followUp, moved, sampling));
        Assert.Equal(expected.GeneratedIds, other.GeneratedIds);
    }

    [Fact]
    public async Task A_stop_string_ends_the_answer_and_is_not_part_of_it()
    {
        var (image, regions) = Case("p1_shapes_640x480");
        using var serving = Start();
        var prompt = ChatPrompt.Conversation(serving.Tokenizer, regions.Count, [], Questions[0]);
        var free = await serving.Complete(SequenceRequest.For(image, prompt, regions, SamplingParams.Greedy with { MaxNewTokens = 24 }));
        Assert.True(free.Text.Length >= 4, $"the answer '{free.Text}' is too short to cut");
        var stop = free.Text.Substring(free.Text.Length / 2, 2);
        var streamed = "";
        var cut = await serving.Complete(SequenceRequest.For(image, prompt, regions, SamplingParams.Greedy with { MaxNewTokens = 24, StopStrings = [stop] }),
            piece => streamed += piece);

        Assert.Equal(free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)], cut.Text);
        Assert.Equal(cut.Text, streamed);
        Assert.Equal(FinishReason.Stop, cut.FinishReason);
        Assert.Equal(stop, cut.StopString);
    }
}
