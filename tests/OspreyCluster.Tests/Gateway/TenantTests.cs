using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;
using static OspreyCluster.Tests.Gateway.OpenAiRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// Images and conversations belong to the tenant whose key created them: every other tenant gets 404,
/// and the same bytes uploaded by two tenants share neither the image nor its cached prompts.
/// </summary>
public sealed class TenantTests(KeyedGateway gateway) : IClassFixture<KeyedGateway>
{
    private HttpClient As(string key)
    {
        var client = new HttpClient { BaseAddress = gateway.Http.BaseAddress, Timeout = TimeSpan.FromMinutes(3) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    [Fact]
    public async Task Another_tenant_finds_nothing_of_ours_and_the_same_bytes_are_its_own_image()
    {
        using var alice = As(KeyedGateway.AliceKey);
        using var bob = As(KeyedGateway.BobKey);
        var image = await File.ReadAllBytesAsync(TestImage.CaseFile("p2_tiny_37x53", "image.png"));
        var imageId = (await UploadAsync(alice, image)).GetProperty("id").GetString()!;
        var regions = new JsonArray(new JsonObject { ["mask"] = new JsonObject { ["box"] = new JsonArray(0, 0, 20, 20) } });
        var conversation = await CreateConversationAsync(alice, imageId, regions);
        await AskAsync(alice, conversation, "What is <region1>?", maxNewTokens: 2);

        using (var info = await bob.GetAsync($"/v1/images/{imageId}")) await ExpectProblemAsync(info, 404);
        using (var create = await bob.PostAsync("/v1/conversations", Json(new JsonObject { ["imageId"] = imageId, ["regions"] = regions.DeepClone() })))
            await ExpectProblemAsync(create, 404);
        using (var view = await bob.GetAsync($"/v1/conversations/{conversation}")) await ExpectProblemAsync(view, 404);
        using (var ask = await bob.PostAsync($"/v1/conversations/{conversation}/messages", Json(Message("What is <region1>?", 2))))
            await ExpectProblemAsync(ask, 404);
        using (var delete = await bob.DeleteAsync($"/v1/conversations/{conversation}")) await ExpectProblemAsync(delete, 404);
        using (var view = await alice.GetAsync($"/v1/conversations/{conversation}"))
            Assert.Equal(2, (await ExpectJsonAsync(view, HttpStatusCode.OK)).GetProperty("messages").GetArrayLength());

        // Bob's own upload of the same bytes: the same id for him, his own image and caches.
        Assert.Equal(imageId, (await UploadAsync(bob, image)).GetProperty("id").GetString());
        var body = Body([User(ImagePart(image), TextPart("What is <region1>?"))], (JsonArray)regions.DeepClone(), maxTokens: 2);
        var aliceAgain = await CompleteAsync(alice, body);
        var bobFirst = await CompleteAsync(bob, (JsonObject)body.DeepClone());
        int Cached(System.Text.Json.JsonElement reply) => reply.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.True(Cached(aliceAgain) > 0, "Alice's repeated question reuses her own cached image prefix");
        Assert.Equal(0, Cached(bobFirst));
    }
}
