using OspreyCluster.Grains.Images;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>Three Redis-clustered silos: encode once, follow the image, reuse the KV cache, place by free memory.</summary>
public sealed class ImageAffinityTests(ReferenceFixture reference) : IClassFixture<ReferenceFixture>, IAsyncLifetime
{
    private RedisServer _redis = null!;
    private OspreyTestCluster _cluster = null!;
    private readonly GrainCallPayloads _payloads = new();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _cluster = await OspreyTestCluster.StartAsync(3, 256L * 1024 * 1024, _redis, _payloads.AddTo);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Four_conversations_encode_the_image_once_and_every_turn_runs_on_its_silo_from_the_kept_cache()
    {
        var client = _cluster.Client;
        var image = TestImage.MultiTurn;
        var info = await client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
        Assert.Equal((512, 768), (info.Width, info.Height));
        var imageSilo = await client.GetGrain<IImageHost>(image.Id).Silo();
        var encodesBefore = (await _cluster.Metrics()).ImageEncodesTotal;

        var conversations = new List<IRegionConversationGrain>();
        for (var c = 0; c < 4; c++)
        {
            var conversation = client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id));
            await conversation.Create(new CreateConversation(image.Id, image.Regions));
            conversations.Add(conversation);
        }
        var expected = Enumerable.Range(0, 4)
            .Select(c => reference.Reference.Conversation(image, ConversationScripts.For(c), ConversationScripts.MaxNewTokens)).ToList();
        var prefixPositions = reference.Reference.Prefix.Positions;

        _payloads.Take();
        var firstTurnExtra = 0;
        for (var turn = 0; turn < 3; turn++)
        {
            // All four conversations ask at once, so their prefill and decode steps share batches.
            var results = await Task.WhenAll(conversations.Select((conversation, c) =>
                Turns.Ask(conversation, ConversationScripts.For(c)[turn], ConversationScripts.MaxNewTokens)));
            for (var c = 0; c < 4; c++)
            {
                var (result, streamed) = results[c];
                var want = expected[c][turn];
                Assert.Equal(imageSilo, result.Silo);
                Assert.Equal(want.Text, result.Text);
                Assert.Equal(want.Text, streamed.Trim());
                Assert.Equal(want.PromptPositions, result.PromptTokens);
                Assert.Equal(want.Generated, result.GeneratedTokens);
                if (turn == 0)
                {
                    // Only the conversation that triggered the encode prefilled the shared prefix.
                    Assert.True(result.PrefilledTokens is var p && (p == want.PromptPositions - prefixPositions || p == want.PromptPositions), $"turn 1 prefilled {result.PrefilledTokens}");
                    firstTurnExtra += result.PrefilledTokens - (want.PromptPositions - prefixPositions);
                }
                else
                {
                    Assert.Equal(ConversationScripts.NewPositions(want.PromptPositions, expected[c][turn - 1]), result.PrefilledTokens);
                }
            }
        }
        Assert.Equal(prefixPositions, firstTurnExtra);
        // The cluster's grain calls and the answer streams; the runtime's own statistics gossip and
        // timer ticks are not request data, and neither is the encode count the image's silo adds to the
        // cluster's total (wherever that grain lives) before serving the first answer, nor each silo's
        // load report to the placement's load board: a few numbers, no more.
        var recorded = _payloads.Take();
        static bool ToTotals(GrainCallPayload call) => call.Method.StartsWith(typeof(IClusterTotalsGrain).FullName!, StringComparison.Ordinal)
            || call.Method.StartsWith(typeof(IClusterLoadGrain).FullName!, StringComparison.Ordinal);
        Assert.All(recorded.Where(ToTotals), call => Assert.True(call.Bytes < 256, $"{call.Method} carried {call.Bytes} bytes"));
        var calls = recorded.Where(call => !ToTotals(call) && (call.Method.StartsWith("OspreyCluster.", StringComparison.Ordinal)
            || call.Method.Contains("AsyncEnumerable", StringComparison.Ordinal))).ToList();

        var metrics = await _cluster.Metrics();
        Assert.Equal(1, metrics.ImageEncodesTotal - encodesBefore);
        var onImageSilo = Assert.Single(metrics.Silos, s => s.Silo == imageSilo);
        Assert.True(onImageSilo.KvCacheHits >= 8, $"kv hits {onImageSilo.KvCacheHits}");
        Assert.Equal(0, onImageSilo.Evictions);

        // What travelled during the 12 turns: nothing between silos, only text and ids from the client,
        // and no tensor anywhere (the image's features and caches are far larger than any payload).
        Assert.NotEmpty(calls);
        Assert.All(calls, call => Assert.Equal(imageSilo, call.Receiver));
        Assert.DoesNotContain(calls, call => call.Sender != GrainCallPayloads.Client && call.Sender != call.Receiver);
        Assert.All(calls, call => Assert.DoesNotContain(call.Types, type => type.StartsWith("TorchSharp", StringComparison.Ordinal)));
        var fromClient = calls.Where(call => call.Sender == GrainCallPayloads.Client).ToList();
        // The recorder sees the real payloads: the questions going in, the answer events coming back.
        Assert.Contains(fromClient, call => call.Types.Any(t => t.EndsWith(".TurnRequest", StringComparison.Ordinal)));
        Assert.Contains(fromClient, call => call.Types.Any(t => t.EndsWith(".TurnEvent", StringComparison.Ordinal)));
        var largest = fromClient.MaxBy(call => call.Bytes)!;
        Assert.True(largest.Bytes < 4096, $"{largest.Method} carried {largest.Bytes} bytes ({string.Join(", ", largest.Types)})");
        Assert.True(onImageSilo.BytesResident > 100 * largest.Bytes, $"resident {onImageSilo.BytesResident} bytes vs largest call {largest.Bytes}");

        foreach (var conversation in conversations)
        {
            var view = await conversation.Get();
            Assert.Equal(6, view.Messages.Count);
            Assert.Equal(2, view.Regions.Count);
        }
    }

    [Fact]
    public async Task New_images_go_to_the_silo_with_the_most_free_engine_memory()
    {
        var client = _cluster.Client;
        var silos = new List<string>();
        foreach (var image in new[] { TestImage.Shapes, TestImage.Jpeg })
        {
            var freeBefore = (await _cluster.Metrics()).Silos.ToDictionary(s => s.Silo, s => s.MemoryBudgetBytes - s.BytesResident);
            await client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
            var silo = await client.GetGrain<IImageHost>(image.Id).Silo();
            Assert.Equal(freeBefore.Values.Max(), freeBefore[silo]);
            silos.Add(silo);

            // Describing makes the features resident (memory pressure for the next placement) and
            // decodes all regions as one batch from the shared prefix.
            var descriptions = await client.GetGrain<IImageGrain>(image.Id).Describe(new DescribeRequest(image.Regions, DescriptionStyle.Short, 3));
            Assert.Equal(image.MaskPngs.Count, descriptions.Count);
            var promptIds = DescribePromptIds();
            for (var r = 0; r < descriptions.Count; r++)
                Assert.Equal(reference.Reference.SingleRegion(image, promptIds, r, 3), descriptions[r].Text);
        }
        Assert.NotEqual(silos[0], silos[1]);
    }

    private IReadOnlyList<int> DescribePromptIds() =>
        [.. reference.Reference.Prefix.Ids, .. reference.Reference.Tokenizer.Encode(Osprey.Engine.Prompting.DescriptionQuestions.Short + " ASSISTANT:", addBos: false)];
}
