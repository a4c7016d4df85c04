using Osprey.Engine.Regions;

namespace Osprey.Engine.Tests.Regions;

public class RegionSpecParserTests : IDisposable
{
    private readonly RegionSpecParser _parser = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-regions-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ParsesBox()
    {
        Assert.Equal(new BoxRegion(1, 2.5, 30, 40), _parser.Parse("box:1, 2.5,30,40"));
        var c = CocoReference.Case("boxes", "box_frac");
        Assert.Equal(CocoReference.ExpectedMask(c), _parser.Parse("box:0.4,1.6,6.5,7.49").ToMask(9, 9));
    }

    [Fact]
    public void ParsesPolygonsAndUnionsThem()
    {
        var c = CocoReference.Case("polygons", "two_overlapping");
        var spec = _parser.Parse("poly:1,1,6,1,6,6,1,6;4,3,10,3,10,9,4,9");
        Assert.Equal(CocoReference.ExpectedMask(c), spec.ToMask(10, 12));
    }

    [Fact]
    public void ParsesRleFile()
    {
        var c = CocoReference.Case("polygons", "star");
        var path = Path.Combine(_dir, "star.json");
        File.WriteAllText(path, $$"""{"size": [20, 20], "counts": "{{c.GetProperty("rle_string").GetString()}}"}""");
        Assert.Equal(CocoReference.ExpectedMask(c), _parser.Parse($"rle:{path}").ToMask(20, 20));
        var ex = Assert.Throws<RegionSizeMismatchException>(() => _parser.Parse($"rle:{path}").ToMask(20, 21));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void OtherwiseAMaskPng()
    {
        var path = Imaging.TestImages.Case("p2_tiny_37x53", "mask1.png");
        var spec = _parser.Parse(path);
        Assert.IsType<MaskImageRegion>(spec);
        Assert.Equal(new MaskPngDecoder().DecodeFile(path), spec.ToMask(53, 37));
        Assert.Throws<RegionSizeMismatchException>(() => spec.ToMask(37, 53));
    }

    [Fact]
    public void AllZeroMaskPngIsAnEmptyRegion()
    {
        var path = Path.Combine(_dir, "empty.png");
        using (var bitmap = new SkiaSharp.SKBitmap(4, 3, SkiaSharp.SKColorType.Gray8, SkiaSharp.SKAlphaType.Opaque))
        {
            bitmap.Erase(SkiaSharp.SKColors.Black);
            using var data = bitmap.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
            File.WriteAllBytes(path, data.ToArray());
        }
        Assert.Throws<EmptyRegionException>(() => _parser.Parse(path).ToMask(3, 4));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("box:1,2,3")]
    [InlineData("box:1,2,3,4,5")]
    [InlineData("box:1,2,x,4")]
    [InlineData("box:1;2;3;4")]
    [InlineData("box:1,2,3,NaN")]
    [InlineData("poly:1,2,3,4")]
    [InlineData("poly:1,2,3,4,5")]
    [InlineData("poly:1,2,3,4,5,6;7")]
    [InlineData("poly:1,2,3,4,5,abc")]
    [InlineData("poly:")]
    [InlineData("rle:/nonexistent/region.json")]
    public void MalformedSpecsAreFormatErrors(string spec)
    {
        var ex = Assert.Throws<RegionFormatException>(() => _parser.Parse(spec));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }

    [Theory]
    [InlineData("box:5,5,1,1")]
    [InlineData("/nonexistent/mask.png")]
    public void SpecsThatFailOnRasterisingAreFormatErrors(string spec)
        => Assert.Throws<RegionFormatException>(() => _parser.Parse(spec).ToMask(10, 10));

    [Fact]
    public void MalformedRleFileIsAFormatError()
    {
        var path = Path.Combine(_dir, "bad.json");
        File.WriteAllText(path, """{"size": [3, 3], "counts": "0P"}""");
        var ex = Assert.Throws<RegionFormatException>(() => _parser.Parse($"rle:{path}"));
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void AllRegionErrorsShareTheBaseType()
    {
        Assert.IsAssignableFrom<RegionException>(new EmptyRegionException("x"));
        Assert.IsAssignableFrom<RegionException>(new RegionFormatException("x"));
        Assert.IsAssignableFrom<RegionException>(new RegionSizeMismatchException("x", 1, 2, 3, 4));
    }
}
