using System.Text.Json;
using System.Text.Json.Nodes;
using Osprey.Training.Data;

namespace Osprey.Training.Tests.Data;

public sealed class RegionDatasetLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-loader-").FullName;

    public RegionDatasetLoaderTests() => File.WriteAllBytes(Path.Combine(_dir, "img.png"), [0]);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // COCO RLE runs are column-major and start with a run of zeros. For height 3, width 4, runs
    // [1, 2, 3, 6] are: column 0 = 0,1,1; column 1 = 0,0,0; columns 2 and 3 = 1,1,1.
    private static readonly byte[] RunsMask = [0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1];

    private static JsonObject Record(JsonNode segmentation, string question = "What is <region>?", int height = 3, int width = 4) => new()
    {
        ["file_name"] = "img.png",
        ["height"] = height,
        ["width"] = width,
        ["annotations"] = new JsonArray(new JsonObject { ["segmentation"] = segmentation }),
        ["conversations"] = new JsonArray(
            new JsonObject { ["from"] = "human", ["value"] = "<image>\n" + question },
            new JsonObject { ["from"] = "gpt", ["value"] = "a thing" }),
    };

    private static JsonObject Rle(JsonNode counts, int h = 3, int w = 4) => new() { ["size"] = new JsonArray(h, w), ["counts"] = counts };

    private IReadOnlyList<RegionConversationRecord> Parse(params JsonObject[] records) =>
        new RegionDatasetLoader().Parse(new JsonArray(records).ToJsonString(), _dir);

    [Fact]
    public void ReadsUncompressedAndCompressedRle()
    {
        // Compressed form of the same runs: 1, 2, 3, then from the fourth count on the difference to the
        // count two places before (6 - 2 = 4); each value fits one 5-bit chunk written as '0' + value.
        var records = Parse(Record(Rle(new JsonArray(1, 2, 3, 6))), Record(Rle("1234")));
        Assert.Equal(RunsMask, RegionMaskCodec.ToBinary(records[0].Regions[0]));
        Assert.Equal(RunsMask, RegionMaskCodec.ToBinary(records[1].Regions[0]));
        Assert.Equal("What is <mask><pos>?", records[0].Conversations[0].Value);
        Assert.Equal(Path.Combine(_dir, "img.png"), records[0].ImagePath);
        Assert.Null(records[0].Family);
    }

    [Fact]
    public void ReadsPolygonsThroughTheEngineRasterizer()
    {
        double[] square = [10, 10, 30, 10, 30, 30, 10, 30];
        var record = Parse(Record(new JsonArray(new JsonArray(square.Select(v => (JsonNode)v).ToArray())), height: 40, width: 40))[0];
        var mask = RegionMaskCodec.ToBinary(record.Regions[0]);
        Assert.Equal(RegionMaskCodec.ToBinary(RegionMaskCodec.RasterizePolygons([square], 40, 40)), mask);
        Assert.InRange(mask.Count(v => v == 1), 400, 441);
        Assert.Equal(1, mask[20 * 40 + 20]);
        Assert.Equal(0, mask[5 * 40 + 5]);
    }

    [Fact]
    public void BindsRegionsInOrderAcrossTurnsAndAcceptsBothPlaceholderForms()
    {
        var record = Record(Rle(new JsonArray(1, 2, 3, 6)), "Compare <region> with region2<mask><pos>.");
        record["regions"] = record["annotations"]!.DeepClone();
        ((JsonArray)record["regions"]!).Add(new JsonObject { ["segmentation"] = Rle(new JsonArray(12)) });
        record.Remove("annotations");
        var loaded = Parse(record)[0];
        Assert.Equal(2, loaded.Regions.Count);
        Assert.Equal(RunsMask, RegionMaskCodec.ToBinary(loaded.Regions[0]));
        Assert.All(RegionMaskCodec.ToBinary(loaded.Regions[1]), v => Assert.Equal(0, v));
        Assert.Equal("Compare <mask><pos> with region2<mask><pos>.", loaded.Conversations[0].Value);
    }

    public static TheoryData<string, RegionDatasetProblem> MalformedRecords() => new()
    {
        { """{"height": 3, "width": 4, "annotations": [], "conversations": []}""", RegionDatasetProblem.MissingField },
        { """{"image": "img.png", "height": "3", "width": 4, "annotations": [], "conversations": []}""", RegionDatasetProblem.MissingField },
        { """{"image": "img.png", "height": 3, "width": 0, "annotations": [], "conversations": []}""", RegionDatasetProblem.MissingField },
        { """{"image": "nope.png", "height": 3, "width": 4, "annotations": [], "conversations": [{"from": "human", "value": "hi"}, {"from": "gpt", "value": "yo"}]}""", RegionDatasetProblem.MissingImage },
        { Bad("""{"size": [3, 4], "counts": "!!"}"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""{"size": [3, 4], "counts": [1, 2]}"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""{"size": [3, 4], "counts": [1, -2, 9]}"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""{"size": [3, 4]}"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""{"counts": [12]}"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""[[1, 1, 2, 2, 3]]"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""[[1, 1, "x", 2, 3, 3]]"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""[]"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""42"""), RegionDatasetProblem.BadSegmentation },
        { Bad("""{"size": [4, 3], "counts": [12]}"""), RegionDatasetProblem.SizeMismatch },
        { Bad("""{"size": [3, 4], "counts": [12]}""", question: "What is this?"), RegionDatasetProblem.PlaceholderCountMismatch },
        { Bad("""{"size": [3, 4], "counts": [12]}""", question: "Is <region> like <mask><pos>?"), RegionDatasetProblem.PlaceholderCountMismatch },
        { """{"image": "img.png", "height": 3, "width": 4, "annotations": [], "conversations": [{"from": "gpt", "value": "yo"}, {"from": "human", "value": "hi"}]}""", RegionDatasetProblem.BadConversation },
        { """{"image": "img.png", "height": 3, "width": 4, "annotations": [], "conversations": [{"from": "human", "value": "hi"}]}""", RegionDatasetProblem.BadConversation },
        { """{"image": "img.png", "height": 3, "width": 4, "annotations": [], "conversations": []}""", RegionDatasetProblem.BadConversation },
        { "17", RegionDatasetProblem.MalformedJson },
    };

    private static string Bad(string segmentation, string question = "What is <region>?") =>
        $$"""{"image": "img.png", "height": 3, "width": 4, "annotations": [{"segmentation": {{segmentation}}}], "conversations": [{"from": "human", "value": "{{question}}"}, {"from": "gpt", "value": "x"}]}""";

    [Theory]
    [MemberData(nameof(MalformedRecords))]
    public void RejectsMalformedRecordsNamingIndexAndProblem(string badRecord, RegionDatasetProblem problem)
    {
        string good = Record(Rle(new JsonArray(1, 2, 3, 6))).ToJsonString();
        var e = Assert.Throws<RegionDatasetException>(() => new RegionDatasetLoader().Parse($"[{good}, {badRecord}]", _dir));
        Assert.Equal(problem, e.Problem);
        Assert.Equal(1, e.RecordIndex);
        Assert.StartsWith("record 1: ", e.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"image": "img.png"}""")]
    public void RejectsFilesThatAreNotARecordList(string json)
    {
        var e = Assert.Throws<RegionDatasetException>(() => new RegionDatasetLoader().Parse(json, _dir));
        Assert.Equal(RegionDatasetProblem.MalformedJson, e.Problem);
        Assert.Equal(-1, e.RecordIndex);
    }
}
