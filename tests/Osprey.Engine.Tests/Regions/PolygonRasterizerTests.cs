using Osprey.Engine.Regions;

namespace Osprey.Engine.Tests.Regions;

public class PolygonRasterizerTests
{
    public static TheoryData<string> PolygonCases() => CocoReference.Names("polygons");
    public static TheoryData<string> BoxCases() => CocoReference.Names("boxes");

    [Theory]
    [MemberData(nameof(PolygonCases))]
    public void PolygonsMatchPycocotools(string name)
    {
        var c = CocoReference.Case("polygons", name);
        int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
        var polygons = c.GetProperty("polygons").EnumerateArray()
            .Select(p => p.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();

        var mask = PolygonRasterizer.Rasterize(polygons, h, w);

        var expected = CocoReference.ExpectedMask(c);
        Assert.True(expected.Equals(mask), $"{name}:\nexpected\n{CocoReference.Render(expected)}\nactual\n{CocoReference.Render(mask)}");
        Assert.Equal(c.GetProperty("area").GetInt64(), mask.Area);
        // The merged RLE, re-encoded, is pycocotools' string byte for byte.
        Assert.Equal(c.GetProperty("rle_string").GetString(), CocoRle.Encode(mask).ToCompressedString());
        if (polygons.Length == 1)
            Assert.Equal(CocoReference.Counts(c), PolygonRasterizer.ToRle(polygons[0], h, w).Counts);
    }

    [Theory]
    [MemberData(nameof(BoxCases))]
    public void BoxesMatchPycocotools(string name)
    {
        var c = CocoReference.Case("boxes", name);
        int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
        var b = c.GetProperty("box_xyxy").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var box = new BoxRegion(b[0], b[1], b[2], b[3]);
        var expected = CocoReference.ExpectedMask(c);
        Assert.True(c.GetProperty("frBbox_xywh_same_mask").GetBoolean());

        if (expected.Area == 0)
        {
            Assert.Throws<EmptyRegionException>(() => box.ToMask(h, w));
            return;
        }
        var mask = box.ToMask(h, w);
        Assert.True(expected.Equals(mask), $"{name}:\nexpected\n{CocoReference.Render(expected)}\nactual\n{CocoReference.Render(mask)}");
    }

    [Fact]
    public void PolygonOutsideTheImageIsAnEmptyRegion()
    {
        var region = new PolygonRegion([[10, 10, 15, 10, 12, 14]]);
        var ex = Assert.Throws<EmptyRegionException>(() => region.ToMask(5, 5));
        Assert.Contains("covers no pixel", ex.Message);
    }

    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4 })]
    [InlineData(new double[] { 1, 2, 3, 4, 5 })]
    [InlineData(new double[] { 1, 2, 3, 4, 5, 6, 7 })]
    [InlineData(new double[] { 1, 2, double.NaN, 4, 5, 6 })]
    [InlineData(new double[] { 1, 2, double.PositiveInfinity, 4, 5, 6 })]
    [InlineData(new double[] { 1, 2, 1e9, 4, 5, 6 })]
    public void MalformedPolygonsAreFormatErrors(double[] polygon)
        => Assert.Throws<RegionFormatException>(() => PolygonRasterizer.Rasterize([polygon], 10, 10));

    [Fact]
    public void PolygonWithAHugePerimeterIsRefused()
    {
        // Within the coordinate bound, but tracing it would take billions of steps.
        double far = PolygonRasterizer.MaxCoordinate - 1;
        var ex = Assert.Throws<RegionFormatException>(() => PolygonRasterizer.Rasterize([[0, 0, far, 0, far, far, 0, far]], 10, 10));
        Assert.Contains("too large", ex.Message);
    }

    [Theory]
    [InlineData(4, 1, 2, 3)]
    [InlineData(1, 3, 4, 3)]
    [InlineData(double.NaN, 0, 1, 1)]
    public void DegenerateBoxesAreFormatErrors(double x0, double y0, double x1, double y1)
        => Assert.Throws<RegionFormatException>(() => new BoxRegion(x0, y0, x1, y1).ToMask(10, 10));
}
