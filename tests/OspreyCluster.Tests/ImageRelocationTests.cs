using Orleans.Core.Internal;
using Orleans.Runtime.Placement;
using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>
/// An image grain that re-activates on another silo (after idle collection, a runtime eviction or an
/// operator's move) takes its features with it, and its conversations follow it.
/// </summary>
public sealed class ImageRelocationTests(ReferenceFixture reference) : IClassFixture<ReferenceFixture>, IAsyncLifetime
{
    private OspreyTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await OspreyTestCluster.StartAsync(2, 256L * 1024 * 1024);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Conversations_follow_an_image_that_moved_to_another_silo_with_unchanged_answers_and_history()
    {
        var client = _cluster.Client;
        var image = TestImage.MultiTurn;
        await client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
        var host = client.GetGrain<IImageHost>(image.Id);
        var first = await host.Silo();
        var conversation = client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id));
        await conversation.Create(new CreateConversation(image.Id, image.Regions));
        var script = ConversationScripts.For(1);
        var expected = reference.Reference.Conversation(image, script, ConversationScripts.MaxNewTokens);

        var (turn1, _) = await Turns.Ask(conversation, script[0], ConversationScripts.MaxNewTokens);
        Assert.Equal(first, turn1.Silo);
        Assert.Equal(expected[0].Text, turn1.Text);

        // The image's activation goes away (as after idle collection), releasing its features on the
        // old silo together with the caches forked from them ...
        await client.GetGrain<IImageGrain>(image.Id).AsReference<IGrainManagementExtension>().DeactivateOnIdle();
        var released = await _cluster.MetricsWhen(m => m.Silos.Single(s => s.Silo == first).BytesResident == 0);
        Assert.Equal(0, released.Silos.Single(s => s.Silo == first).BytesResident);
        // ... and the conversation's next call to it re-activates it on the other silo (the hint, which
        // flows with the turn's request context, stands in for that silo having more free engine memory).
        // The conversation is still active on the old silo: this turn runs there, recomputing, and the
        // conversation then leaves to join the image.
        var second = released.Silos.Select(s => s.Silo).Single(s => s != first);
        RequestContext.Set(IPlacementDirector.PlacementHintKey, SiloAddress.FromParsableString(second));
        (TurnResult Result, string) turn2;
        try
        {
            turn2 = await Turns.Ask(conversation, script[1], ConversationScripts.MaxNewTokens);
        }
        finally
        {
            RequestContext.Clear();
        }
        Assert.Equal(second, await host.Silo());
        Assert.Equal(first, turn2.Result.Silo);
        Assert.Equal(expected[1].Text, turn2.Result.Text);
        Assert.Equal(expected[1].PromptPositions, turn2.Result.PrefilledTokens);
        var (turn3, _) = await Turns.Ask(conversation, script[2], ConversationScripts.MaxNewTokens);
        Assert.Equal(second, turn3.Silo);
        Assert.Equal(expected[2].Text, turn3.Text);
        Assert.Equal(expected[2].PromptPositions, turn3.PromptTokens);

        var metrics = await _cluster.MetricsWhen(m => m.Silos.Single(s => s.Silo == first).BytesResident == 0);
        Assert.Equal(0, metrics.Silos.Single(s => s.Silo == first).BytesResident);
        Assert.Equal(
            script.Zip(expected).SelectMany(p => new[] { ("user", p.First), ("assistant", p.Second.Text) }),
            (await conversation.Get()).Messages.Select(m => (m.Role, m.Text)));
    }
}
