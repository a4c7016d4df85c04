using System.Text.Json;
using Osprey.Engine.Imaging;
using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;

namespace Osprey.Engine.Tests.Segmentation;

/// <summary>The sam-tiny reference fixture: its model (loaded once), its image and its cases.</summary>
public static class SamReference
{
    public static string Directory => FixturePaths.File("sam-tiny");

    private static readonly Lazy<SamModel> LazyModel = new(() => SamCheckpoint.Load(Directory));

    /// <summary>Shared by the tests; compute on it only reads the weights.</summary>
    public static SamModel Model => LazyModel.Value;

    public static RgbImage Truck() => new ImageDecoder().DecodeFile(Path.Combine(Directory, "images", "truck.png"));

    public static JsonElement Case(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, name + ".json")));
        return doc.RootElement.Clone();
    }

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    /// <summary>Flattens nested arrays of numbers in C order.</summary>
    public static float[] Flatten(JsonElement nested)
    {
        var values = new List<float>();
        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Array) foreach (var c in e.EnumerateArray()) Walk(c);
            else values.Add(e.GetSingle());
        }
        Walk(nested);
        return [.. values];
    }

    public static RegionMask Mask(JsonElement rle) =>
        CocoRle.FromUncompressed(rle.GetProperty("size")[0].GetInt32(), rle.GetProperty("size")[1].GetInt32(),
            rle.GetProperty("counts").EnumerateArray().Select(c => c.GetInt64())).ToMask();

    public static double Iou(RegionMask a, RegionMask b)
    {
        Assert.Equal((a.Height, a.Width), (b.Height, b.Width));
        long inter = 0, union = 0;
        for (var i = 0; i < a.Data.Length; i++)
        {
            inter += a.Data[i] & b.Data[i];
            union += a.Data[i] | b.Data[i];
        }
        return union == 0 ? 1.0 : (double)inter / union;
    }

    /// <summary>Asserts every value within <paramref name="atol"/>; returns the largest difference.</summary>
    public static double AssertClose(float[] expected, float[] actual, double atol, string what)
    {
        Assert.True(expected.Length <= actual.Length, $"{what}: {actual.Length} values, expected at least {expected.Length}");
        var worst = 0.0;
        var at = -1;
        for (var i = 0; i < expected.Length; i++)
        {
            var d = Math.Abs(expected[i] - actual[i]);
            if (d > worst) { worst = d; at = i; }
        }
        Assert.True(worst <= atol, $"{what}: largest difference {worst:G4} at {at} (expected {(at >= 0 ? expected[at] : 0)}, got {(at >= 0 ? actual[at] : 0)}), tolerance {atol}");
        return worst;
    }
}
