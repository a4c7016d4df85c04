using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>A budget too small to keep anything: every turn recomputes features and history, with the same answers.</summary>
public sealed class EvictionTests(ReferenceFixture reference) : IClassFixture<ReferenceFixture>, IAsyncLifetime
{
    private OspreyTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await OspreyTestCluster.StartAsync(1, memoryBudgetBytes: 1);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Evicted_features_and_caches_are_recomputed_and_answers_do_not_change()
    {
        var client = _cluster.Client;
        var image = TestImage.MultiTurn;
        await client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
        var conversation = client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id));
        await conversation.Create(new CreateConversation(image.Id, image.Regions));
        var script = ConversationScripts.For(0);
        var expected = reference.Reference.Conversation(image, script, ConversationScripts.MaxNewTokens);

        for (var turn = 0; turn < script.Count; turn++)
        {
            var (result, _) = await Turns.Ask(conversation, script[turn], ConversationScripts.MaxNewTokens);
            Assert.Equal(expected[turn].Text, result.Text);
            Assert.Equal(expected[turn].PromptPositions, result.PromptTokens);
            // Nothing was kept, so the whole prompt went through prefill again.
            Assert.Equal(result.PromptTokens, result.PrefilledTokens);
        }

        var silo = Assert.Single((await _cluster.Metrics()).Silos);
        Assert.Equal(script.Count, silo.ImageEncodes);
        Assert.True(silo.Evictions >= 2 * script.Count, $"evictions {silo.Evictions}");
        Assert.Equal(0, silo.KvCacheHits);
        Assert.Equal(0, silo.BytesResident);
    }
}
