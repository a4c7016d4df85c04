using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Osprey.Engine.Regions;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// <c>/v1/images/{id}/segment</c> and <c>/segment-everything</c> with sam-tiny: the reference fixture's
/// masks come back as compressed COCO RLE that <c>/v1/conversations</c> takes as region masks; bad
/// prompts are 400s with their reason.
/// </summary>
public sealed class GatewaySegmentationTests(SegmentingGateway gateway) : IClassFixture<SegmentingGateway>
{
    private HttpClient Http => gateway.Http;

    private static string Sam => FixturePaths.File("sam-tiny");
    private static byte[] Truck => File.ReadAllBytes(Path.Combine(Sam, "images", "truck.png"));

    private static JsonElement Reference(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Sam, name + ".json")));
        return doc.RootElement.Clone();
    }

    private static RegionMask Uncompressed(JsonElement rle) =>
        CocoRle.FromUncompressed(rle.GetProperty("size")[0].GetInt32(), rle.GetProperty("size")[1].GetInt32(),
            rle.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64())).ToMask();

    private static RegionMask Compressed(JsonElement rle) =>
        CocoRle.FromCompressed(rle.GetProperty("size")[0].GetInt32(), rle.GetProperty("size")[1].GetInt32(), rle.GetProperty("counts").GetString()!).ToMask();

    private static double Iou(RegionMask a, RegionMask b)
    {
        long inter = 0, union = 0;
        for (var i = 0; i < a.Data.Length; i++)
        {
            inter += a.Data[i] & b.Data[i];
            union += a.Data[i] | b.Data[i];
        }
        return union == 0 ? 1 : (double)inter / union;
    }

    private async Task<JsonElement> SegmentAsync(string imageId, string path, JsonNode body)
    {
        using var response = await Http.PostAsync($"/v1/images/{imageId}/{path}", Json(body));
        return (await ExpectJsonAsync(response, HttpStatusCode.OK)).GetProperty("masks");
    }

    [Fact]
    public async Task A_click_gives_the_reference_masks_best_first()
    {
        var id = (await UploadAsync(Http, Truck)).GetProperty("id").GetString()!;
        var masks = await SegmentAsync(id, "segment", JsonNode.Parse("""{"points": [[150, 100, 1]], "multimask": true}""")!);

        var reference = Reference("p1_point");
        var order = reference.GetProperty("iou_predictions").EnumerateArray().Select((v, i) => (Score: v.GetDouble(), Index: i))
            .OrderByDescending(p => p.Score).ToList();
        Assert.Equal(3, masks.GetArrayLength());
        for (var k = 0; k < 3; k++)
        {
            var mask = masks[k];
            Assert.Equal(order[k].Score, mask.GetProperty("score").GetDouble(), 1e-3);
            var decoded = Compressed(mask.GetProperty("rle"));
            Assert.Equal(decoded.Area, mask.GetProperty("area").GetInt64());
            Assert.True(Iou(Uncompressed(reference.GetProperty("masks_rle")[order[k].Index]), decoded) >= 0.995);
        }
    }

    [Fact]
    public async Task A_box_gives_one_mask_that_a_conversation_takes_as_its_region()
    {
        var id = (await UploadAsync(Http, Truck)).GetProperty("id").GetString()!;
        var masks = await SegmentAsync(id, "segment", JsonNode.Parse("""{"box": [30, 20, 210, 170], "multimask": false}""")!);
        Assert.Equal(1, masks.GetArrayLength());
        var rle = masks[0].GetProperty("rle");
        Assert.True(Iou(Uncompressed(Reference("p3_box_single").GetProperty("masks_rle")[0]), Compressed(rle)) >= 0.995);

        var region = new JsonObject { ["mask"] = new JsonObject { ["rle"] = JsonNode.Parse(rle.GetRawText()) } };
        var conversation = await CreateConversationAsync(Http, id, [region]);
        var answer = await AskAsync(Http, conversation, "What is <region1>?", maxNewTokens: 2);
        Assert.False(string.IsNullOrEmpty(answer.GetProperty("silo").GetString()));
    }

    [Fact]
    public async Task Segment_everything_finds_the_reference_annotations()
    {
        var id = (await UploadAsync(Http, Truck)).GetProperty("id").GetString()!;
        var masks = await SegmentAsync(id, "segment-everything", JsonNode.Parse(
            """{"pointsPerSide": 4, "predIouThresh": -10, "stabilityScoreThresh": 0, "boxNmsThresh": 0.99, "minMaskRegionArea": 0}""")!);

        var expected = Reference("p4_everything").GetProperty("annotations").EnumerateArray().ToList();
        Assert.Equal(expected.Count, masks.GetArrayLength());
        var actual = masks.EnumerateArray().Select(m => Compressed(m.GetProperty("rle"))).ToList();
        foreach (var e in expected)
        {
            var mask = Uncompressed(e.GetProperty("segmentation"));
            Assert.Contains(actual, a => Iou(mask, a) >= 0.99);
        }
        var scores = masks.EnumerateArray().Select(m => m.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(scores.OrderByDescending(s => s), scores);

        // Every mask, as it came back, is a region the describe endpoint captions in one batch.
        var regions = new JsonArray([.. masks.EnumerateArray().Select(m =>
            (JsonNode)new JsonObject { ["mask"] = new JsonObject { ["rle"] = JsonNode.Parse(m.GetProperty("rle").GetRawText()) } })]);
        using var response = await Http.PostAsync($"/v1/images/{id}/describe", Json(new JsonObject { ["regions"] = regions, ["maxNewTokens"] = 2 }));
        var descriptions = (await ExpectJsonAsync(response, HttpStatusCode.OK)).GetProperty("descriptions");
        Assert.Equal(expected.Count, descriptions.GetArrayLength());
    }

    public static TheoryData<string, string, int> BadRequests => new()
    {
        { "segment", """{"points": [[301, 10, 1]]}""", 400 },
        { "segment", """{"points": [[10, -0.5, 1]]}""", 400 },
        { "segment", """{"points": [[10, 10, 2]]}""", 400 },
        { "segment", """{"points": [[10, 10, 0.5]]}""", 400 },
        { "segment", """{"points": [[10, 10]]}""", 400 },
        { "segment", """{"points": [10, 10, 1]}""", 400 },
        { "segment", """{"box": [100, 50, 20, 80]}""", 400 },
        { "segment", """{"box": [0, 0, 400, 80]}""", 400 },
        { "segment", """{"box": [0, 0, 40]}""", 400 },
        { "segment", """{}""", 400 },
        { "segment", "{\"points\": [" + string.Join(", ", Enumerable.Range(0, 65).Select(i => $"[{i}, {i}, 1]")) + "]}", 400 },
        { "segment", """{"points": """, 400 },
        { "segment-everything", """{"pointsPerSide": 0}""", 400 },
        { "segment-everything", """{"pointsPerSide": 100000}""", 400 },
        { "segment-everything", """{"boxNmsThresh": 2}""", 400 },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task Bad_prompts_are_refused_with_a_reason(string path, string body, int status)
    {
        var id = (await UploadAsync(Http, Truck)).GetProperty("id").GetString()!;
        using var response = await Http.PostAsync($"/v1/images/{id}/{path}", Json(body));
        await ExpectProblemAsync(response, status);
    }

    [Fact]
    public async Task The_api_document_lists_both_endpoints_and_the_silo_counts_one_embedding_per_image()
    {
        var id = (await UploadAsync(Http, Truck)).GetProperty("id").GetString()!;
        await SegmentAsync(id, "segment", JsonNode.Parse("""{"points": [[20, 30, 1]]}""")!);
        await SegmentAsync(id, "segment", JsonNode.Parse("""{"points": [[200, 30, 1]], "box": [100, 10, 290, 190]}""")!);

        var document = await Http.GetStringAsync("/openapi/v1.json");
        Assert.Contains("\"/v1/images/{id}/segment\"", document);
        Assert.Contains("\"/v1/images/{id}/segment-everything\"", document);

        // Every test of this class segments the same image on the one silo: one SAM encode in all.
        var metrics = await Http.GetStringAsync("/metrics");
        var encodes = PrometheusText.Samples(metrics).Where(s => s.Name == "osprey_silo_segmentation_encodes_total").Sum(s => s.Value);
        Assert.Equal(1, encodes);
    }

    [Fact]
    public async Task Segmenting_an_unknown_image_is_404()
    {
        using var response = await Http.PostAsync($"/v1/images/{new string('a', 64)}/segment", Json("""{"points": [[1, 1, 1]]}"""));
        await ExpectProblemAsync(response, 404);
    }
}

/// <summary>
/// A cluster given no Segment Anything model segments with the repository's default one
/// (<c>models/sam-default</c>); without that either, it says what to configure instead of failing.
/// </summary>
[Collection(EmbeddedGatewayCollection.Name)]
public sealed class GatewayWithoutSegmentationTests(EmbeddedGateway gateway)
{
    [Fact]
    public async Task Segmenting_uses_the_default_model_or_is_501_with_what_to_configure()
    {
        var image = await File.ReadAllBytesAsync(Path.Combine(FixturePaths.File("sam-tiny"), "images", "truck.png"));
        var id = (await UploadAsync(gateway.Http, image)).GetProperty("id").GetString()!;
        using var response = await gateway.Http.PostAsync($"/v1/images/{id}/segment", Json("""{"points": [[1, 1, 1]]}"""));
        if (Osprey.Engine.Segmentation.DefaultSam.Locate() is not null)
        {
            Assert.Equal(200, (int)response.StatusCode);
            using var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(1, reply.RootElement.GetProperty("masks").GetArrayLength());
            return;
        }
        Assert.Equal(501, (int)response.StatusCode);
        Assert.Contains("SamModelDirectory", await response.Content.ReadAsStringAsync());
    }
}
