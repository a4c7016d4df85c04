using System.Text.Json;
using Osprey.Engine.Regions;

namespace Osprey.Engine.Tests.Regions;

public class MaskPngDecoderTests
{
    private readonly MaskPngDecoder _decoder = new();

    public static TheoryData<string> FixtureCases() => new(Imaging.TestImages.OspreyTinyCases);

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void FixtureMaskAreasMatchCaseJson(string caseName)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Imaging.TestImages.Case(caseName, "case.json")));
        var root = doc.RootElement;
        var masks = root.GetProperty("masks").EnumerateArray().Select(m => m.GetString()!).ToArray();
        var areas = root.GetProperty("mask_pixels").EnumerateArray().Select(a => a.GetInt64()).ToArray();
        var size = root.GetProperty("image_size_wh");
        for (var i = 0; i < masks.Length; i++)
        {
            var mask = _decoder.DecodeFile(Imaging.TestImages.Case(caseName, masks[i]));
            Assert.Equal((size[1].GetInt32(), size[0].GetInt32()), (mask.Height, mask.Width));
            Assert.Equal(areas[i], mask.Area);
        }
    }

    public static TheoryData<string> ColourModeFiles()
    {
        var data = new TheoryData<string>();
        using var doc = JsonDocument.Parse(File.ReadAllText(Imaging.TestImages.Data("decode_cases.json")));
        foreach (var c in doc.RootElement.GetProperty("cases").EnumerateArray())
            if (c.GetProperty("supported").GetBoolean()) data.Add(c.GetProperty("file").GetString()!);
        return data;
    }

    /// <summary>Any colour mode → PIL convert("L") > 127 (expected values computed by PIL 9.4).</summary>
    [Theory]
    [MemberData(nameof(ColourModeFiles))]
    public void ConvertsColourModesLikePil(string file)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Imaging.TestImages.Data("decode_cases.json")));
        var c = doc.RootElement.GetProperty("cases").EnumerateArray().Single(e => e.GetProperty("file").GetString() == file);
        var expected = Convert.FromBase64String(c.GetProperty("mask_inside_base64").GetString()!);

        var mask = _decoder.DecodeFile(Imaging.TestImages.Data(file));

        Assert.Equal(expected, mask.Data);
    }

    [Fact]
    public void UnreadableMasksAreFormatErrors()
    {
        var missing = Assert.Throws<RegionFormatException>(() => _decoder.DecodeFile("/nonexistent/mask.png"));
        Assert.Contains("not found", missing.Message);
        Assert.Throws<RegionFormatException>(() => _decoder.Decode("not a png"u8, "mask.png"));
        var png = File.ReadAllBytes(Imaging.TestImages.Case("p1_shapes_640x480", "mask1.png"));
        Assert.Throws<RegionFormatException>(() => _decoder.Decode(png.AsSpan(0, png.Length / 2), "mask.png"));
    }
}
