using Osprey.Engine.Imaging;

namespace Osprey.Engine.Tests.Imaging;

internal static class TestImages
{
    public static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Imaging", "Data", name);

    public static string Case(string caseName, string file) => FixturePaths.File("osprey-tiny", "cases", caseName, file);

    public static readonly string[] OspreyTinyCases =
        ["p1_shapes_640x480", "p2_tiny_37x53", "p3_jpeg_300x200", "p4_multiturn_512x768"];

    /// <summary>Largest per-sample difference, and how many samples differ.</summary>
    public static (int MaxDiff, int Count) Compare(byte[] actual, byte[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        int max = 0, count = 0;
        for (var i = 0; i < actual.Length; i++)
        {
            var d = Math.Abs(actual[i] - expected[i]);
            if (d == 0) continue;
            count++;
            max = Math.Max(max, d);
        }
        return (max, count);
    }

    public static void AssertSamePixels(RgbImage expected, RgbImage actual, string label)
    {
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        var (max, count) = Compare(actual.Pixels, expected.Pixels);
        Assert.True(count == 0, $"{label}: {count} samples differ, max difference {max}");
    }
}
