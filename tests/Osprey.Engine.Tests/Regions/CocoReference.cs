using System.Text.Json;
using Osprey.Engine.Regions;

namespace Osprey.Engine.Tests.Regions;

/// <summary>Cases rasterised by the pycocotools C core (see Data/generate_reference_cases.py).</summary>
internal static class CocoReference
{
    private static readonly Lazy<JsonElement> Root = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Regions", "Data", "coco_reference_cases.json"))).RootElement);

    public static JsonElement Case(string group, string name)
        => Root.Value.GetProperty(group).EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> Names(string group)
    {
        var data = new TheoryData<string>();
        foreach (var c in Root.Value.GetProperty(group).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static RegionMask ExpectedMask(JsonElement c)
    {
        int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
        var rows = c.GetProperty("mask_rows").EnumerateArray().Select(r => r.GetString()!).ToArray();
        Assert.Equal(h, rows.Length);
        var data = new byte[h * w];
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
            data[y * w + x] = (byte)(rows[y][x] - '0');
        return new RegionMask(h, w, data);
    }

    public static uint[] Counts(JsonElement c) => c.GetProperty("counts").EnumerateArray().Select(e => e.GetUInt32()).ToArray();

    public static string Render(RegionMask m)
        => string.Join("\n", Enumerable.Range(0, m.Height).Select(y => string.Concat(Enumerable.Range(0, m.Width).Select(x => m[y, x] ? '1' : '0'))));
}
