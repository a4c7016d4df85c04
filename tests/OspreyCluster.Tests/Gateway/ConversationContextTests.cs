using System.Net;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>A conversation whose first turn, with all its regions introduced, would not fit the context is refused when created.</summary>
public sealed class ConversationContextTests(ShortContextGateway gateway) : IClassFixture<ShortContextGateway>
{
    private static JsonArray Boxes(int count) =>
        [.. Enumerable.Range(0, count).Select(i => (JsonNode)new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(i, i, i + 20, i + 20) } })];

    [Fact]
    public async Task Too_many_regions_for_the_context_is_a_400_naming_how_many_fit()
    {
        var image = await File.ReadAllBytesAsync(TestImage.CaseFile("p1_shapes_640x480", "image.png"));
        var imageId = (await UploadAsync(gateway.Http, image)).GetProperty("id").GetString()!;

        using var refused = await gateway.Http.PostAsync("/v1/conversations", Json(new JsonObject { ["imageId"] = imageId, ["regions"] = Boxes(12) }));
        var reason = await ExpectProblemAsync(refused, 400);
        Assert.Contains("12 regions take", reason);
        var fits = int.Parse(System.Text.RegularExpressions.Regex.Match(reason, @"at most (\d+) regions fit").Groups[1].Value);
        Assert.InRange(fits, 1, 11);

        // As many as it says fit make a conversation that answers.
        var conversation = await CreateConversationAsync(gateway.Http, imageId, Boxes(fits));
        var answer = await AskAsync(gateway.Http, conversation, $"What is <region{fits}>?", maxNewTokens: 4);
        Assert.InRange(answer.GetProperty("promptTokens").GetInt32(), 1, ShortContextGateway.ContextLength - 1);

        // A question that would fill the rest of the context is refused, and the conversation keeps its one turn.
        var longQuestion = $"What is <region{fits}>? " + string.Join(" ", Enumerable.Repeat("Please look closely.", 60));
        using var tooLong = await gateway.Http.PostAsync($"/v1/conversations/{conversation}/messages", Json(Message(longQuestion, 4)));
        Assert.Contains($"the model's context length is {ShortContextGateway.ContextLength}", await ExpectProblemAsync(tooLong, 400));
        using var view = await gateway.Http.GetAsync($"/v1/conversations/{conversation}");
        Assert.Equal(2, (await ExpectJsonAsync(view, HttpStatusCode.OK)).GetProperty("messages").GetArrayLength());
    }
}
