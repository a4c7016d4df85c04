using System.Text.Json;
using Osprey.Engine.Imaging;

namespace Osprey.Engine.Tests.Imaging;

public class PilResizeTests
{
    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < LoadCases().GetArrayLength(); i++) data.Add(i);
        return data;
    }

    private static JsonElement LoadCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(FixturePaths.File("pil_bicubic_resize_cases.json")));
        return doc.RootElement.GetProperty("cases").Clone();
    }

    private static byte[] Bytes(JsonElement array) => array.EnumerateArray().Select(e => (byte)e.GetInt32()).ToArray();

    [Theory]
    [MemberData(nameof(CaseIndices))]
    public void MatchesPillowBitForBit(int index)
    {
        var c = LoadCases()[index];
        int inW = c.GetProperty("in_wh")[0].GetInt32(), inH = c.GetProperty("in_wh")[1].GetInt32();
        int outW = c.GetProperty("out_wh")[0].GetInt32(), outH = c.GetProperty("out_wh")[1].GetInt32();
        var input = new RgbImage(inW, inH, Bytes(c.GetProperty("input_hwc")));
        var expected = new RgbImage(outW, outH, Bytes(c.GetProperty("output_hwc")));

        var actual = PilResize.Resize(input, outW, outH, PilFilter.Bicubic);

        TestImages.AssertSamePixels(expected, actual, $"{inW}x{inH} -> {outW}x{outH}");
    }

    [Fact]
    public void SameSizeIsAnUnchangedCopy()
    {
        var pixels = Enumerable.Range(0, 4 * 3 * 3).Select(i => (byte)(i * 7)).ToArray();
        var input = new RgbImage(4, 3, pixels);
        var output = PilResize.Resize(input, 4, 3, PilFilter.Bicubic);
        Assert.Equal(pixels, output.Pixels);
        Assert.NotSame(pixels, output.Pixels);
    }

    [Fact]
    public void RejectsNonPositiveSize()
    {
        var input = new RgbImage(2, 2, new byte[12]);
        Assert.Throws<ArgumentOutOfRangeException>(() => PilResize.Resize(input, 0, 2, PilFilter.Bicubic));
    }
}
