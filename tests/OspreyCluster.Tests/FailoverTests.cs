using OspreyCluster.Grains.Interfaces;
using OspreyCluster.Grains.Placement;

namespace OspreyCluster.Tests;

/// <summary>Redis-backed cluster: the image's silo stops mid-conversation; the conversation carries on elsewhere.</summary>
public sealed class FailoverTests(ReferenceFixture reference) : IClassFixture<ReferenceFixture>, IAsyncLifetime
{
    private RedisServer _redis = null!;
    private OspreyTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _cluster = await OspreyTestCluster.StartAsync(3, 256L * 1024 * 1024, _redis);
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Stopping_the_image_silo_moves_the_next_turn_elsewhere_with_identical_output_and_full_history()
    {
        var client = _cluster.Client;
        var image = TestImage.MultiTurn;
        await client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
        var conversationId = ConversationKey.New(image.Id);
        var conversation = client.GetGrain<IRegionConversationGrain>(conversationId);
        await conversation.Create(new CreateConversation(image.Id, image.Regions));
        var script = ConversationScripts.For(1);
        var expected = reference.Reference.Conversation(image, script, ConversationScripts.MaxNewTokens);

        var imageSilo = await client.GetGrain<IImageHost>(image.Id).Silo();
        for (var turn = 0; turn < 2; turn++)
        {
            var (result, _) = await Turns.Ask(conversation, script[turn], ConversationScripts.MaxNewTokens);
            Assert.Equal(imageSilo, result.Silo);
            Assert.Equal(expected[turn].Text, result.Text);
        }

        var handle = _cluster.Cluster.GetActiveSilos().Single(s => SiloIdentity.Of(s.SiloAddress) == imageSilo);
        await _cluster.Cluster.StopSiloAsync(handle);

        var (after, _) = await Turns.Ask(client.GetGrain<IRegionConversationGrain>(conversationId), script[2], ConversationScripts.MaxNewTokens);
        Assert.NotEqual(imageSilo, after.Silo);
        Assert.Equal(after.Silo, await client.GetGrain<IImageHost>(image.Id).Silo());
        Assert.Equal(expected[2].Text, after.Text);
        Assert.Equal(expected[2].PromptPositions, after.PromptTokens);
        Assert.Equal(after.PromptTokens, after.PrefilledTokens);

        var view = await conversation.Get();
        Assert.Equal(
            script.Zip(expected).SelectMany(p => new[] { ("user", p.First), ("assistant", p.Second.Text) }),
            view.Messages.Select(m => (m.Role, m.Text)));
    }
}
