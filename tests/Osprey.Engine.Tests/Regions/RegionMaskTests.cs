using Osprey.Engine.Regions;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Regions;

public class RegionMaskTests
{
    [Fact]
    public void ToTensorIsFloatHeightByWidth()
    {
        var mask = new RegionMask(2, 3, [0, 1, 0, 1, 1, 0]);
        using var t = mask.ToTensor();
        Assert.Equal(new long[] { 2, 3 }, t.shape);
        Assert.Equal(ScalarType.Float32, t.dtype);
        Assert.Equal(new float[] { 0, 1, 0, 1, 1, 0 }, t.data<float>().ToArray());
        Assert.Equal(1f, t[1, 0].item<float>());
        Assert.Equal(3, mask.Area);
    }

    [Fact]
    public void EqualityComparesSizeAndPixels()
    {
        var a = new RegionMask(2, 2, [1, 0, 0, 1]);
        Assert.Equal(a, new RegionMask(2, 2, [1, 0, 0, 1]));
        Assert.Equal(a.GetHashCode(), new RegionMask(2, 2, [1, 0, 0, 1]).GetHashCode());
        Assert.NotEqual(a, new RegionMask(2, 2, [1, 0, 1, 1]));
        Assert.NotEqual(a, new RegionMask(1, 4, [1, 0, 0, 1]));
    }

    [Fact]
    public void RejectsNonBinaryOrMisSizedData()
    {
        Assert.Throws<ArgumentException>(() => new RegionMask(1, 2, [0, 2]));
        Assert.Throws<ArgumentException>(() => new RegionMask(2, 2, [0, 1, 1]));
        Assert.Throws<RegionFormatException>(() => new RegionMask(0, 2, []));
    }
}
