using System.Text.Json;
using Microsoft.Playwright;
using Osprey.Engine.Regions;
using Osprey.Engine.Segmentation;
using OspreyCluster.Tests.Gateway;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OspreyCluster.Tests.WebApp;

/// <summary>
/// The web app's Segment Anything tools in a real browser against the embedded gateway serving the
/// default Osprey model and the default SAM (<c>models/sam-default</c>, found by the gateway without any
/// setting): the click tool previews the mask of its clicks and adds it as a region; "Find all objects"
/// adds one region per mask of segment-everything. The example scene's objects have their visible masks
/// beside it (<c>examples/region1.png</c>…<c>region3.png</c>), so the masks are checked against them.
/// </summary>
public sealed class WebAppSegmentationTests(DefaultModelGateway gateway, SystemChromium chromium, ITestOutputHelper output)
    : IClassFixture<DefaultModelGateway>, IClassFixture<SystemChromium>
{
    private const string ColourQuestion = "What colour is <region1>? Answer the question using a single word or phrase.";

    /// <summary>Below the default SAM's held-out mean (models/sam-default/README.md), so one object's harder edge does not fail it.</summary>
    private const double MinIou = 0.85;

    /// <summary>Segment-everything's hexagon, from a grid click rather than one at its centre.</summary>
    private const double MinFoundIou = 0.7;

    private static string Examples => Path.Combine(RepositoryPaths.Root, "examples");

    private static string Scene => Path.Combine(Examples, "scene.png");

    /// <summary>examples/region2.png: the red hexagon, left (x 4–53, y 40–83).</summary>
    private static RegionMask Hexagon => new MaskPngDecoder().DecodeFile(Path.Combine(Examples, "region2.png"));

    private Uri Gateway => gateway.Http.BaseAddress!;

    [Fact]
    public async Task ClicksOnTheHexagonPreviewItsMaskWhichBecomesARegionTheConversationSees()
    {
        Assert.NotNull(DefaultSam.Locate());
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        await app.UploadAsync(Scene);
        await app.ByTestId("tool-click").ClickAsync();
        var add = app.Page.GetByRole(AriaRole.Button, new() { Name = "Add region" });
        await Expect(add).ToBeDisabledAsync();

        // A click inside the hexagon: the page asks for the mask of that foreground point and previews it.
        var (first, firstPoints) = await ClickAsync(app, 28, 62, shift: false);
        Assert.Equal(1, firstPoints.GetArrayLength());
        AssertPoint(firstPoints[0], 28, 62, 1);
        await Expect(add).ToBeEnabledAsync();
        output.WriteLine($"one click: mask IoU with the hexagon {Iou(MaskOf(first), Hexagon):0.000}");

        // A shift-click on the background beside it: a background point, sent with the first one.
        var (second, secondPoints) = await ClickAsync(app, 64, 20, shift: true);
        Assert.Equal(2, secondPoints.GetArrayLength());
        AssertPoint(secondPoints[0], 28, 62, 1);
        AssertPoint(secondPoints[1], 64, 20, 0);
        await Expect(add).ToBeEnabledAsync();
        var rle = second.GetProperty("rle");
        var iou = Iou(MaskOf(second), Hexagon);
        output.WriteLine($"with a background click: mask IoU with the hexagon {iou:0.000}");
        Assert.True(iou >= MinIou, $"the clicked mask should be the hexagon's visible mask (IoU {iou:0.000})");

        await add.ClickAsync();
        var items = app.ByTestId("region-item");
        await Expect(items).ToHaveCountAsync(1);
        await Expect(items.First.Locator(".region-kind")).ToHaveTextAsync("mask");

        // The conversation gets exactly the RLE the server segmented, and answers about the hexagon.
        var created = app.Page.WaitForRequestAsync(r => r.Url.EndsWith("/v1/conversations") && r.Method == "POST");
        var answer = await app.AskAsync(ColourQuestion);
        var sent = JsonDocument.Parse((await created).PostData!).RootElement.GetProperty("regions")[0].GetProperty("mask").GetProperty("rle");
        Assert.Equal(rle.GetProperty("counts").GetString(), sent.GetProperty("counts").GetString());
        Assert.Equal([128, 128], sent.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()));
        var text = (await answer.Locator(".bubble").InnerTextAsync()).Trim();
        output.WriteLine($"colour of the clicked hexagon: {text}");
        Assert.Equal("red", text, ignoreCase: true);

        Assert.Empty(app.PageErrors);
        Assert.Empty(app.ConsoleErrors);
    }

    [Fact]
    public async Task FindAllObjectsMakesEveryMaskARegion()
    {
        Assert.NotNull(DefaultSam.Locate());
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        await app.UploadAsync(Scene);

        var everything = app.Page.WaitForResponseAsync(r => r.Url.EndsWith("/segment-everything") && r.Request.Method == "POST");
        await app.ByTestId("find-objects").ClickAsync();
        var response = await everything;
        Assert.Equal(200, response.Status);
        var masks = JsonDocument.Parse(await response.TextAsync()).RootElement.GetProperty("masks").EnumerateArray().Select(MaskOf).ToList();
        output.WriteLine($"segment-everything: {masks.Count} masks, areas {string.Join(", ", masks.Select(m => m.Area))}");

        var items = app.ByTestId("region-item");
        await Expect(items).ToHaveCountAsync(masks.Count);
        Assert.All(await items.Locator(".region-kind").AllInnerTextsAsync(), kind => Assert.Equal("mask", kind));

        // The default SAM finds the hexagon; the ring and the triangle it finds only roughly from grid
        // clicks (held-out one-click IoU 0.89 at a random pixel, models/sam-default/README.md), so their best matches are
        // reported, not required.
        Assert.NotEmpty(masks);
        foreach (var file in new[] { "region1.png", "region2.png", "region3.png" })
        {
            var truth = new MaskPngDecoder().DecodeFile(Path.Combine(Examples, file));
            var best = masks.Max(m => Iou(m, truth));
            output.WriteLine($"{file}: best IoU among the found objects {best:0.000}");
            if (file == "region2.png") Assert.True(best >= MinFoundIou, $"the hexagon should be among the objects found (best IoU {best:0.000})");
        }

        // The regions go to the conversation as the masks' RLE, in the page's order (largest first).
        var created = app.Page.WaitForRequestAsync(r => r.Url.EndsWith("/v1/conversations") && r.Method == "POST");
        await app.AskAsync(ColourQuestion);
        var sent = JsonDocument.Parse((await created).PostData!).RootElement.GetProperty("regions");
        Assert.Equal(masks.Count, sent.GetArrayLength());
        Assert.All(sent.EnumerateArray(), r => Assert.Equal("rle", r.GetProperty("mask").EnumerateObject().Single().Name));

        Assert.Empty(app.PageErrors);
        Assert.Empty(app.ConsoleErrors);
    }

    /// <summary>Clicks image pixel (x, y) with the click tool; returns the /segment answer's mask and the points it was asked for.</summary>
    private static async Task<(JsonElement Mask, JsonElement Points)> ClickAsync(WebAppPage app, double x, double y, bool shift)
    {
        var segmented = app.Page.WaitForResponseAsync(r => r.Url.EndsWith("/segment") && r.Request.Method == "POST");
        var (sx, sy) = await app.ScreenPointAsync(x, y);
        if (shift) await app.Page.Keyboard.DownAsync("Shift");
        await app.Page.Mouse.ClickAsync(sx, sy);
        if (shift) await app.Page.Keyboard.UpAsync("Shift");
        var response = await segmented;
        Assert.Equal(200, response.Status);
        var points = JsonDocument.Parse(response.Request.PostData!).RootElement.GetProperty("points").Clone();
        var mask = JsonDocument.Parse(await response.TextAsync()).RootElement.GetProperty("masks")[0].Clone();
        return (mask, points);
    }

    private static void AssertPoint(JsonElement point, double x, double y, int label)
    {
        Assert.InRange(point[0].GetDouble(), x - 1, x + 1);
        Assert.InRange(point[1].GetDouble(), y - 1, y + 1);
        Assert.Equal(label, point[2].GetInt32());
    }

    private static RegionMask MaskOf(JsonElement mask)
    {
        var rle = mask.GetProperty("rle");
        var size = rle.GetProperty("size");
        return CocoRle.FromCompressed(size[0].GetInt32(), size[1].GetInt32(), rle.GetProperty("counts").GetString()!).ToMask();
    }

    private static double Iou(RegionMask a, RegionMask b)
    {
        long intersection = 0, union = 0;
        for (var k = 0; k < a.Data.Length; k++)
        {
            bool p = a.Data[k] != 0, t = b.Data[k] != 0;
            if (p && t) intersection++;
            if (p || t) union++;
        }
        return union == 0 ? 0 : (double)intersection / union;
    }
}
