using Osprey.Engine.Regions;

namespace Osprey.Engine.Tests.Regions;

public class CocoRleTests
{
    public static TheoryData<string> MaskCases() => CocoReference.Names("masks");
    public static TheoryData<string> AllCases()
    {
        var data = new TheoryData<string>();
        foreach (var g in new[] { "polygons", "boxes", "masks" })
        foreach (var n in CocoReference.Names(g))
            data.Add($"{g}/{n}");
        return data;
    }

    [Theory]
    [MemberData(nameof(MaskCases))]
    public void EncodeMatchesPycocotools(string name)
    {
        var c = CocoReference.Case("masks", name);
        var mask = CocoReference.ExpectedMask(c);
        var rle = CocoRle.Encode(mask);
        Assert.Equal(CocoReference.Counts(c), rle.Counts);
        Assert.Equal(c.GetProperty("rle_string").GetString(), rle.ToCompressedString());
        Assert.Equal(c.GetProperty("area").GetInt64(), rle.Area);
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void CompressedAndUncompressedFormsDecodeToTheReferenceMask(string id)
    {
        var parts = id.Split('/');
        var c = CocoReference.Case(parts[0], parts[1]);
        int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
        var expected = CocoReference.ExpectedMask(c);

        var fromString = CocoRle.FromCompressed(h, w, c.GetProperty("rle_string").GetString()!);
        Assert.Equal(CocoReference.Counts(c), fromString.Counts);
        Assert.Equal(expected, fromString.ToMask());
        Assert.Equal(c.GetProperty("area").GetInt64(), fromString.Area);

        var fromCounts = CocoRle.FromUncompressed(h, w, CocoReference.Counts(c).Select(v => (long)v));
        Assert.Equal(expected, fromCounts.ToMask());
    }

    [Fact]
    public void JsonInBothFormsRoundTrips()
    {
        var c = CocoReference.Case("masks", "mask_random");
        var expected = CocoReference.ExpectedMask(c);
        var compressed = CocoRle.FromJson($$"""{"size": [23, 31], "counts": "{{c.GetProperty("rle_string").GetString()}}"}""");
        var uncompressed = CocoRle.FromJson($$"""{"size": [23, 31], "counts": [{{string.Join(",", CocoReference.Counts(c))}}]}""");
        Assert.Equal(expected, compressed.ToMask());
        Assert.Equal(expected, uncompressed.ToMask());
        Assert.Equal(expected, CocoRle.FromJson(compressed.ToJson()).ToMask());
    }

    [Fact]
    public void ValidStringParses() => Assert.Equal(9, CocoRle.FromCompressed(3, 3, "09").Area);

    [Theory]
    [InlineData("0:", "sum")]              // counts 0, 10 for a 3x3 mask
    [InlineData("08", "sum")]              // 0, 8: one pixel short
    [InlineData("0 9", "invalid character")]
    [InlineData("0\u00e99", "invalid character")]
    [InlineData("0p", "invalid character")]  // 'p' = 64: outside the 6-bit alphabet
    [InlineData("0P", "truncated")]        // 'P' has the continuation bit and nothing follows
    [InlineData("1O0", "invalid run length")] // second count decodes to -1
    [InlineData("PPPPPPP0", "longer than 7")]
    public void MalformedStringsAreFormatErrors(string counts, string expectedFragment)
    {
        var ex = Assert.Throws<RegionFormatException>(() => CocoRle.FromCompressed(3, 3, counts));
        Assert.Contains(expectedFragment, ex.Message);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("""{"counts": "09"}""")]
    [InlineData("""{"size": [3], "counts": "09"}""")]
    [InlineData("""{"size": ["3", 3], "counts": "09"}""")]
    [InlineData("""{"size": [0, 3], "counts": ""}""")]
    [InlineData("""{"size": [-3, -3], "counts": [9]}""")]
    [InlineData("""{"size": [3, 3]}""")]
    [InlineData("""{"size": [3, 3], "counts": 9}""")]
    [InlineData("""{"size": [3, 3], "counts": [0, 8]}""")]
    [InlineData("""{"size": [3, 3], "counts": [0, -1, 10]}""")]
    [InlineData("""{"size": [3, 3], "counts": [0, 4.5, 4.5]}""")]
    [InlineData("""{"size": [3, 3], "counts": [0, "9"]}""")]
    [InlineData("""{"size": [3, 3], "counts": "0:"}""")]
    [InlineData("""{"size": [100000, 100000], "counts": [10000000000]}""")]
    public void MalformedJsonIsAFormatError(string json)
    {
        var ex = Assert.Throws<RegionFormatException>(() => CocoRle.FromJson(json, "region.json"));
        Assert.StartsWith("region.json", ex.Message);
    }

    [Fact]
    public void SizeMustMatchTheImage()
    {
        var rle = CocoRle.FromJson("""{"size": [3, 3], "counts": "09"}""");
        var ex = Assert.Throws<RegionSizeMismatchException>(() => new RleRegion(rle, "r.json").ToMask(3, 4));
        Assert.Contains("3x3", ex.Message);
        Assert.Contains("4x3", ex.Message);
        Assert.Equal(9, new RleRegion(rle, "r.json").ToMask(3, 3).Area);
    }

    [Fact]
    public void EmptyRleIsAnEmptyRegion()
        => Assert.Throws<EmptyRegionException>(() => new RleRegion(CocoRle.FromUncompressed(2, 2, [4]), "r.json").ToMask(2, 2));

    [Fact]
    public void DecodeIsColumnMajor()
    {
        // counts [1, 2, 3] on 2x3: column-major positions 1..2 inside = (y1,x0), (y0,x1).
        var mask = CocoRle.FromUncompressed(2, 3, [1, 2, 3]).ToMask();
        Assert.Equal(new byte[] { 0, 1, 0, 1, 0, 0 }, mask.Data);
    }
}
