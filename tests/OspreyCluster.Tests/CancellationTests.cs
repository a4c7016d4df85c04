using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>A caller that goes away mid-answer frees the batch slot and drops its half-extended cache, keeping what finished.</summary>
public sealed class CancellationTests(ReferenceFixture reference) : IClassFixture<ReferenceFixture>, IAsyncLifetime
{
    private OspreyTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await OspreyTestCluster.StartAsync(1, 256L * 1024 * 1024);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_cancelled_turn_frees_its_slot_and_cache_and_the_next_turn_answers_as_if_it_never_ran()
    {
        var client = _cluster.Client;
        var image = TestImage.MultiTurn;
        var imageGrain = client.GetGrain<IImageGrain>(image.Id);
        await imageGrain.Upload(image.Bytes);
        await imageGrain.Describe(new DescribeRequest([image.Regions[0]], DescriptionStyle.Short, 1));
        var imageOnly = Assert.Single((await _cluster.Metrics()).Silos).BytesResident;
        Assert.True(imageOnly > 0);

        var conversation = client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id));
        await conversation.Create(new CreateConversation(image.Id, image.Regions));
        var script = ConversationScripts.For(0);
        var expected = reference.Reference.Conversation(image, script, ConversationScripts.MaxNewTokens);
        var (first, _) = await Turns.Ask(conversation, script[0], ConversationScripts.MaxNewTokens);
        Assert.Equal(expected[0].Text, first.Text);
        // The finished turn stays cached for the next one: the baseline the cancelled turn must return to.
        var afterFirst = Assert.Single((await _cluster.Metrics()).Silos).BytesResident;
        Assert.True(afterFirst > imageOnly);

        // The second question asks for far more tokens than it will be allowed to produce.
        using var cancel = new CancellationTokenSource();
        var streamed = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            var request = new TurnRequest { Text = script[1], MaxNewTokens = 900, Temperature = 0 };
            await foreach (var item in conversation.Ask(request, cancel.Token).WithCancellation(cancel.Token))
            {
                Assert.Null(item.Result); // the turn must not get to finish
                if (item.IsAnnouncement) continue; // where it runs: nothing generated yet
                if (++streamed == 1) await cancel.CancelAsync();
            }
        });
        Assert.True(streamed >= 1);

        var afterCancel = Assert.Single((await _cluster.MetricsWhen(m => m.Silos[0] is { ActiveSequences: 0 } s && s.BytesResident == afterFirst)).Silos);
        Assert.Equal(0, afterCancel.ActiveSequences);
        Assert.Equal(afterFirst, afterCancel.BytesResident);
        Assert.Equal(2, (await conversation.Get()).Messages.Count);

        // The same question again: the cancelled attempt left nothing behind, so the question is prefilled
        // once more on top of the first turn (and its answer's last token, which a cut-off answer never fed
        // back), and the answer is the uncached one.
        var (second, _) = await Turns.Ask(conversation, script[1], ConversationScripts.MaxNewTokens);
        Assert.Equal(expected[1].Text, second.Text);
        var firstFed = expected[0].Generated - (expected[0].Stopped ? 0 : 1);
        Assert.Equal(expected[1].PromptPositions - expected[0].PromptPositions - firstFed, second.PrefilledTokens);
        var end = Assert.Single((await _cluster.MetricsWhen(m => m.Silos[0].ActiveSequences == 0)).Silos);
        Assert.Equal(0, end.ActiveSequences);
        Assert.Equal(4, (await conversation.Get()).Messages.Count);
    }
}
