using System.ClientModel;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenAI.Chat;
using ChatMessage = Microsoft.Extensions.AI.ChatMessage;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over the OpenAI client against the gateway serving
/// the default model: the image as <see cref="DataContent"/>, the regions as the request's
/// <c>metadata.regions</c>. (<see cref="ChatOptions.AdditionalProperties"/> would be the natural place, but
/// Microsoft.Extensions.AI.OpenAI 11.0.0 does not send them: dotnet/extensions#7448.)
/// </summary>
public sealed class ChatClientTests(DefaultModelGateway gateway) : IClassFixture<DefaultModelGateway>
{
    private const string Short = " Answer the question using a single word or phrase.";

    private IChatClient Client() =>
        new OpenAIClient(new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(gateway.Http.BaseAddress!, "/v1") })
            .GetChatClient("osprey-default").AsIChatClient();

    private static ChatOptions Options()
    {
        var examples = Path.Combine(RepositoryPaths.Root, "examples");
        var regions = new JsonArray(
            GatewayRequests.PngRegion(File.ReadAllBytes(Path.Combine(examples, "region1.png"))),
            GatewayRequests.PngRegion(File.ReadAllBytes(Path.Combine(examples, "region2.png"))));
        return new ChatOptions
        {
            Temperature = 0,
            MaxOutputTokens = 8,
            RawRepresentationFactory = _ => new ChatCompletionOptions { Metadata = { ["regions"] = regions.ToJsonString() } },
        };
    }

    private static List<ChatMessage> Conversation(string question) =>
    [
        new(ChatRole.User, [
            new DataContent(File.ReadAllBytes(Path.Combine(RepositoryPaths.Root, "examples", "scene.png")), "image/png"),
            new TextContent(question),
        ]),
    ];

    [Fact]
    public async Task GetResponseAsync_answers_about_a_region_and_a_follow_up_is_served_from_the_cache()
    {
        using var client = Client();
        var messages = Conversation("What colour is <region2>?" + Short);
        var first = await client.GetResponseAsync(messages, Options());
        Assert.Equal("red", first.Text);

        messages.AddRange(first.Messages);
        messages.Add(new ChatMessage(ChatRole.User, "What is <region1>?" + Short));
        var second = await client.GetResponseAsync(messages, Options());
        Assert.False(string.IsNullOrWhiteSpace(second.Text));
        var usage = second.Usage!;
        Assert.True(usage.CachedInputTokenCount >= 0.8 * usage.InputTokenCount, $"{usage.CachedInputTokenCount} of {usage.InputTokenCount} cached");
    }

    [Fact]
    public async Task GetStreamingResponseAsync_streams_the_same_answer()
    {
        using var client = Client();
        var whole = await client.GetResponseAsync(Conversation("What colour is <region1>?" + Short), Options());
        var streamed = "";
        await foreach (var update in client.GetStreamingResponseAsync(Conversation("What colour is <region1>?" + Short), Options()))
            streamed += update.Text;
        Assert.Equal(whole.Text, streamed.Trim());
    }
}
