using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>
/// The grains' own checks, without the gateway in front: every bad input is a typed 4xx refusal and
/// the silo keeps serving; sampled answers are reproducible from their seed.
/// </summary>
public sealed class GrainRequestTests : IAsyncLifetime
{
    private OspreyTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await OspreyTestCluster.StartAsync(1, 256L * 1024 * 1024);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    private IClusterClient Client => _cluster.Client;

    public static TheoryData<string, int> BadInputs => new()
    {
        { "non-image", 415 },
        { "truncated-image", 415 },
        { "id-not-the-hash-of-the-bytes", 400 },
        { "unknown-image", 404 },
        { "empty-mask", 400 },
        { "wrong-size-mask", 400 },
        { "unknown-region", 400 },
        { "control-token-in-text", 400 },
        { "prompt-over-context", 400 },
        { "unknown-conversation", 404 },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_is_a_typed_refusal_and_the_silo_keeps_serving(string badInput, int status)
    {
        var image = TestImage.Shapes;
        await Client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
        var conversation = await NewConversation(image);

        var refusal = await Assert.ThrowsAsync<OspreyRequestException>(() => Attempt(badInput, image, conversation));
        Assert.Equal(status, refusal.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(refusal.Reason));

        // The refused conversation itself still answers, and nothing is left running.
        var (result, _) = await Turns.Ask(conversation, "What is <region1>?", 2);
        Assert.InRange(result.GeneratedTokens, 1, 2);
        Assert.Equal(0, Assert.Single((await _cluster.MetricsWhen(m => m.Silos[0].ActiveSequences == 0)).Silos).ActiveSequences);
    }

    private async Task Attempt(string badInput, TestImage image, IRegionConversationGrain conversation)
    {
        switch (badInput)
        {
            case "non-image":
                await Upload("this is plain text, not an image"u8.ToArray());
                break;
            case "truncated-image":
                await Upload(image.Bytes[..(image.Bytes.Length / 3)]);
                break;
            case "id-not-the-hash-of-the-bytes":
                await Client.GetGrain<IImageGrain>(new string('a', 64)).Upload(image.Bytes);
                break;
            case "unknown-image":
                await Client.GetGrain<IRegionConversationGrain>(ConversationKey.New(new string('0', 64)))
                    .Create(new CreateConversation(new string('0', 64), image.Regions));
                break;
            case "empty-mask":
                await Create(image, new RegionMaskDto { Png = TestPng.Gray(640, 480, 0) });
                break;
            case "wrong-size-mask":
                await Create(image, new RegionMaskDto { Png = TestImage.Tiny.MaskPngs[0] });
                break;
            case "unknown-region":
                await Turns.Ask(conversation, "What is <region3>?", 1);
                break;
            case "control-token-in-text":
                await Turns.Ask(conversation, "What is <image> in <region1>?", 1);
                break;
            case "prompt-over-context":
                // The tiny model's context is 2048 positions; the image alone takes 1024 of them.
                await Turns.Ask(conversation, string.Concat(Enumerable.Repeat("hello ", 2500)), 1);
                break;
            case "unknown-conversation":
                await Turns.Ask(Client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id)), "Hi <region1>", 1);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(badInput), badInput, null);
        }
    }

    [Fact]
    public async Task Sampling_with_a_temperature_and_a_seed_is_reproducible_alone_and_in_a_shared_batch()
    {
        var image = TestImage.Shapes;
        await Client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
        TurnRequest Sampled(long seed) => new() { Text = "Describe <region1> in detail.", MaxNewTokens = 12, Temperature = 1f, TopP = 0.95f, Seed = seed };

        var alone = await AskOnce(await NewConversation(image), Sampled(7));
        // Same seed again, now batched with a differently seeded sequence.
        var batched = await Task.WhenAll(
            NewConversation(image).ContinueWith(c => AskOnce(c.Result, Sampled(7))).Unwrap(),
            NewConversation(image).ContinueWith(c => AskOnce(c.Result, Sampled(8))).Unwrap());
        Assert.Equal(alone.Text, batched[0].Text);
        Assert.Equal(alone.GeneratedTokens, batched[0].GeneratedTokens);

        // The temperature is not ignored: some seed leaves the greedy path.
        var greedy = await AskOnce(await NewConversation(image), Sampled(7) with { Temperature = 0 });
        var seeds = new[] { 7L, 8, 9, 10 };
        var sampled = new List<string> { alone.Text, batched[1].Text };
        foreach (var seed in seeds.Skip(2)) sampled.Add((await AskOnce(await NewConversation(image), Sampled(seed))).Text);
        Assert.Contains(sampled, text => text != greedy.Text);
    }

    private async Task<TurnResult> AskOnce(IRegionConversationGrain conversation, TurnRequest request)
    {
        TurnResult? result = null;
        await foreach (var item in conversation.Ask(request))
            if (item.Result is { } done) result = done;
        return Assert.IsType<TurnResult>(result);
    }

    private async Task<IRegionConversationGrain> NewConversation(TestImage image)
    {
        var conversation = Client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id));
        await conversation.Create(new CreateConversation(image.Id, image.Regions));
        return conversation;
    }

    private Task<ConversationView> Create(TestImage image, RegionMaskDto region) =>
        Client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id)).Create(new CreateConversation(image.Id, [region]));

    private Task<ImageInfo> Upload(byte[] bytes) =>
        Client.GetGrain<IImageGrain>(Grains.Images.ImageId.Of(bytes)).Upload(bytes);
}
