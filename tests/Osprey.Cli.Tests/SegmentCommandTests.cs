using System.Text.Json;
using Osprey.Cli.Commands;
using Osprey.Engine.Regions;

namespace Osprey.Cli.Tests;

public sealed class SegmentCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-segment-").FullName;
    private static string Sam => FixturePaths.File("sam-tiny");
    private static string Truck => Path.Combine(Sam, "images", "truck.png");
    private string Output => Path.Combine(_dir, "out.json");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Reference(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Sam, name + ".json")));
        return doc.RootElement.Clone();
    }

    private JsonElement Written()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Output));
        return doc.RootElement.Clone();
    }

    private static RegionMask Mask(JsonElement rle) =>
        CocoRle.FromUncompressed(rle.GetProperty("size")[0].GetInt32(), rle.GetProperty("size")[1].GetInt32(),
            rle.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64())).ToMask();

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

    [Fact]
    public async Task Points_write_the_reference_predictions()
    {
        var (code, errors) = await CommandRun.Invoke(SegmentCommand.Create(),
            "--sam", Sam, "--image", Truck, "--point", "60.5,40.25:1", "--point", "220,150:0", "--output-json", Output);
        Assert.True(code == 0, errors);

        var expected = Reference("p2_points_neg");
        var actual = Written();
        var ious = actual.GetProperty("iou_predictions");
        Assert.Equal(3, ious.GetArrayLength());
        for (var m = 0; m < 3; m++)
        {
            Assert.Equal(expected.GetProperty("iou_predictions")[m].GetDouble(), ious[m].GetDouble(), 1e-3);
            var logits = actual.GetProperty("low_res_logits")[m];
            Assert.Equal(64, logits.GetArrayLength());
            Assert.Equal(expected.GetProperty("low_res_logits")[m][10][20].GetDouble(), logits[10][20].GetDouble(), 1e-3);
            Assert.True(Iou(Mask(expected.GetProperty("masks_rle")[m]), Mask(actual.GetProperty("masks")[m])) >= 0.995);
        }
    }

    [Fact]
    public async Task A_box_with_single_mask_writes_one_mask()
    {
        var (code, errors) = await CommandRun.Invoke(SegmentCommand.Create(),
            "--sam", Sam, "--image", Truck, "--box", "30,20,210,170", "--single-mask", "--output-json", Output);
        Assert.True(code == 0, errors);
        var expected = Reference("p3_box_single");
        var masks = Written().GetProperty("masks");
        Assert.Equal(1, masks.GetArrayLength());
        Assert.True(Iou(Mask(expected.GetProperty("masks_rle")[0]), Mask(masks[0])) >= 0.995);
    }

    [Fact]
    public async Task Everything_writes_the_reference_annotations_largest_first()
    {
        var (code, errors) = await CommandRun.Invoke(SegmentCommand.Create(),
            "--sam", Sam, "--image", Truck, "--everything", "--points-per-side", "4", "--pred-iou-thresh", "-10",
            "--stability-score-thresh", "0", "--box-nms-thresh", "0.99", "--min-mask-region-area", "0", "--output-json", Output);
        Assert.True(code == 0, errors);
        var expected = Reference("p4_everything").GetProperty("annotations");
        var actual = Written().GetProperty("annotations");
        Assert.Equal(expected.GetArrayLength(), actual.GetArrayLength());
        for (var i = 0; i < expected.GetArrayLength(); i++)
        {
            Assert.Equal(expected[i].GetProperty("area").GetInt64(), actual[i].GetProperty("area").GetInt64());
            Assert.Equal(expected[i].GetProperty("bbox").EnumerateArray().Select(v => v.GetInt32()), actual[i].GetProperty("bbox").EnumerateArray().Select(v => v.GetInt32()));
            Assert.Equal(expected[i].GetProperty("predicted_iou").GetDouble(), actual[i].GetProperty("predicted_iou").GetDouble(), 1e-3);
            Assert.Equal(expected[i].GetProperty("stability_score").GetDouble(), actual[i].GetProperty("stability_score").GetDouble(), 1e-3);
            Assert.Equal(expected[i].GetProperty("point_coords")[0][0].GetDouble(), actual[i].GetProperty("point_coords")[0][0].GetDouble());
            Assert.True(Iou(Mask(expected[i].GetProperty("segmentation")), Mask(actual[i].GetProperty("segmentation"))) >= 0.99);
        }
    }

    public static TheoryData<string[], string> BadPrompts() => new()
    {
        { ["--point", "300.5,10:1"], "outside the 300x200 image" },
        { ["--point", "10,-1:1"], "outside the 300x200 image" },
        { ["--box", "10,10,310,100"], "outside the 300x200 image" },
        { ["--box", "100,50,20,80"], "inverted" },
        { ["--box", "10,80,100,80"], "inverted" },
        { ["--point", "10,10:2"], "label 2" },
        { ["--point", "10,10:-1"], "label -1" },
        { ["--point", "10,10:fg"], "label 'fg'" },
        { ["--point", "10;10"], "is not X,Y:LABEL" },
        { ["--box", "1,2,3"], "is not X0,Y0,X1,Y1" },
        { [.. Enumerable.Range(0, 65).SelectMany(i => new[] { "--point", $"{i},{i}:1" })], "at most 64 points" },
        { ["--everything", "--point", "10,10:1"], "--everything takes no --point" },
        { ["--everything", "--points-per-side", "0"], "points per side" },
        { ["--everything", "--box-nms-thresh", "1.5"], "box NMS threshold" },
        { [], "at least one --point or a --box" },
    };

    [Theory]
    [MemberData(nameof(BadPrompts))]
    public async Task Bad_input_is_a_clear_error_and_writes_nothing(string[] prompt, string reason)
    {
        var (code, errors) = await CommandRun.Invoke(SegmentCommand.Create(),
            ["--sam", Sam, "--image", Truck, .. prompt, "--output-json", Output]);
        Assert.Equal(2, code);
        Assert.Contains(reason, errors);
        Assert.StartsWith("osprey: ", errors);
        Assert.False(File.Exists(Output));
    }

    [Fact]
    public async Task Sixty_four_points_are_accepted()
    {
        var (code, errors) = await CommandRun.Invoke(SegmentCommand.Create(),
            ["--sam", Sam, "--image", Truck, .. Enumerable.Range(0, 64).SelectMany(i => new[] { "--point", $"{i * 4},{i * 3}:{i % 2}" }), "--output-json", Output]);
        Assert.True(code == 0, errors);
        Assert.Equal(3, Written().GetProperty("masks").GetArrayLength());
    }

    [Fact]
    public async Task An_unreadable_checkpoint_is_a_clear_error_naming_the_file()
    {
        var broken = Path.Combine(_dir, "broken");
        Directory.CreateDirectory(broken);
        File.Copy(Path.Combine(Sam, "config.json"), Path.Combine(broken, "config.json"));
        File.WriteAllText(Path.Combine(broken, "sam.pth"), "not a checkpoint");
        var (code, errors) = await CommandRun.Invoke(SegmentCommand.Create(),
            "--sam", broken, "--image", Truck, "--point", "10,10:1", "--output-json", Output);
        Assert.Equal(2, code);
        Assert.Contains("sam.pth", errors);
    }

    [Fact]
    public async Task Without_sam_the_default_model_segments_or_the_error_says_where_it_looked()
    {
        var (code, errors) = await CommandRun.Invoke(SegmentCommand.Create(), "--image", Truck, "--point", "10,10:1", "--output-json", Output);
        if (Engine.Segmentation.DefaultSam.Locate() is not null && Environment.GetEnvironmentVariable(Engine.Segmentation.DefaultSam.EnvironmentVariable) is null)
        {
            // The repository ships models/sam-default: the command runs with it.
            Assert.True(code == 0, errors);
            using var written = JsonDocument.Parse(await File.ReadAllTextAsync(Output));
            Assert.Equal(3, written.RootElement.GetProperty("masks").GetArrayLength());
            return;
        }
        if (Environment.GetEnvironmentVariable(Engine.Segmentation.DefaultSam.EnvironmentVariable) is not null) return; // someone else's model decides
        Assert.Equal(2, code);
        Assert.Contains("models/sam-default", errors);
    }
}
