using OspreyCluster.Grains.Interfaces;

namespace OspreyCluster.Tests;

/// <summary>
/// Two silos, spreading set to begin at the first conversation past a silo's share: the second
/// conversation about an image lands on the other silo, which copies the image's features from its home
/// instead of encoding them, and answers exactly what the home silo answers.
/// </summary>
public sealed class ImageReplicaTests(ReferenceFixture reference) : IClassFixture<ReferenceFixture>, IAsyncLifetime
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(200);
    private OspreyTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await OspreyTestCluster.StartAsync(2, 256L * 1024 * 1024, options: options =>
    {
        options.MaxImageReplicas = 1;
        options.ImageSpreadMinConversations = 0;
        options.ImageSpreadLoadFactor = 1;
        options.LoadReportInterval = ReportInterval;
    });

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_conversation_on_a_replica_silo_answers_the_home_silos_tokens_from_copied_features_and_the_image_is_encoded_once()
    {
        var client = _cluster.Client;
        var image = TestImage.MultiTurn;
        await client.GetGrain<IImageGrain>(image.Id).Upload(image.Bytes);
        var host = client.GetGrain<IImageHost>(image.Id);
        var home = await host.Silo();
        var before = await _cluster.Metrics();
        var script = ConversationScripts.For(2);
        var expected = reference.Reference.Conversation(image, script, ConversationScripts.MaxNewTokens);

        var onHome = client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id));
        await onHome.Create(new CreateConversation(image.Id, image.Regions));
        var (homeFirst, _) = await Turns.Ask(onHome, script[0], ConversationScripts.MaxNewTokens);
        Assert.Equal(home, homeFirst.Silo);
        Assert.Equal(expected[0].Text, homeFirst.Text);

        // The home now holds the cluster's only conversation: once the load board says so and every
        // silo's view of it has been read again, the next conversation goes to a new replica.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await client.GetGrain<IClusterLoadGrain>(0).Loads()) is var loads
            && !(loads.Length == 2 && loads.Single(l => l.Silo == home).Conversations == 1 && loads.Single(l => l.Silo != home).Conversations == 0))
        {
            Assert.True(DateTime.UtcNow < deadline, "the load board never showed the home's conversation");
            await Task.Delay(50);
        }
        await Task.Delay(ReportInterval * 5);

        var onReplica = client.GetGrain<IRegionConversationGrain>(ConversationKey.New(image.Id));
        await onReplica.Create(new CreateConversation(image.Id, image.Regions));
        var replica = Assert.Single((await host.Silos()).Replicas);
        Assert.NotEqual(home, replica);
        for (var turn = 0; turn < script.Count; turn++)
        {
            var (result, streamed) = await Turns.Ask(onReplica, script[turn], ConversationScripts.MaxNewTokens);
            Assert.Equal(replica, result.Silo);
            Assert.Equal(expected[turn].Text, result.Text);
            Assert.Equal(expected[turn].Text, streamed.Trim());
            Assert.Equal(expected[turn].Generated, result.GeneratedTokens);
            if (turn > 0) Assert.Equal(ConversationScripts.NewPositions(expected[turn].PromptPositions, expected[turn - 1]), result.PrefilledTokens);
        }
        for (var turn = 1; turn < script.Count; turn++)
        {
            var (result, _) = await Turns.Ask(onHome, script[turn], ConversationScripts.MaxNewTokens);
            Assert.Equal(home, result.Silo);
            Assert.Equal(expected[turn].Text, result.Text);
        }

        var after = await _cluster.Metrics();
        Assert.Equal(1, after.ImageEncodesTotal - before.ImageEncodesTotal);
        var replicaSilo = after.Silos.Single(s => s.Silo == replica);
        Assert.Equal(0, replicaSilo.ImageEncodes - before.Silos.Single(s => s.Silo == replica).ImageEncodes);
        Assert.Equal(1, replicaSilo.FeatureCopies);
        Assert.Equal(0, after.Silos.Single(s => s.Silo == home).FeatureCopies);
    }
}
