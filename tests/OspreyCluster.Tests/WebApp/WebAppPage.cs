using System.Text.Json;
using Microsoft.Playwright;

namespace OspreyCluster.Tests.WebApp;

/// <summary>
/// The web app in one browser page, worked as a person would: pick a file, drag on the image, type and
/// press Enter. Positions are given in image pixels and turned into screen points through the canvas's
/// box as it is at that moment (the layout moves when tool options appear). It records every page error
/// and console error, so a test can require a clean console.
/// </summary>
public sealed class WebAppPage : IAsyncDisposable
{
    public static readonly TimeSpan AnswerTimeout = TimeSpan.FromMinutes(3);

    private readonly IBrowserContext context;

    private WebAppPage(IBrowserContext context, IPage page)
    {
        this.context = context;
        Page = page;
        page.PageError += (_, error) => PageErrors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error") ConsoleErrors.Add($"{message.Text} ({message.Location})");
        };
    }

    public IPage Page { get; }

    public List<string> PageErrors { get; } = [];

    public List<string> ConsoleErrors { get; } = [];

    public int ImageWidth { get; private set; }

    public int ImageHeight { get; private set; }

    public static async Task<WebAppPage> OpenAsync(IBrowser browser, Uri gateway, int width, int height)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        var page = await context.NewPageAsync();
        var app = new WebAppPage(context, page);
        await page.GotoAsync("/");
        await page.GetByTestId("image-input").WaitForAsync(new() { State = WaitForSelectorState.Attached });
        return app;
    }

    public ILocator ByTestId(string id) => Page.GetByTestId(id);

    /// <summary>Picks the file and waits for the API's answer to the upload; returns that response.</summary>
    public async Task<IResponse> PickImageAsync(FilePayload file)
    {
        var response = await Page.RunAndWaitForResponseAsync(
            () => ByTestId("image-input").SetInputFilesAsync(file),
            r => r.Url.EndsWith("/v1/images") && r.Request.Method == "POST");
        return response;
    }

    public async Task UploadAsync(string path) => await UploadAsync(await File.ReadAllBytesAsync(path), Path.GetFileName(path));

    public async Task UploadAsync(byte[] png, string name)
    {
        var response = await PickImageAsync(new FilePayload { Name = name, MimeType = "image/png", Buffer = png });
        Assert.Equal(201, response.Status);
        var created = JsonDocument.Parse(await response.TextAsync()).RootElement;
        ImageWidth = created.GetProperty("width").GetInt32();
        ImageHeight = created.GetProperty("height").GetInt32();
        await Assertions.Expect(ByTestId("image-canvas")).ToBeVisibleAsync();
    }

    /// <summary>The image's size, for an upload the page made itself (a retry).</summary>
    public void UseImageSize(int width, int height) => (ImageWidth, ImageHeight) = (width, height);

    public async Task<LocatorBoundingBoxResult> CanvasBoxAsync() =>
        await ByTestId("image-canvas").BoundingBoxAsync() ?? throw new InvalidOperationException("the image canvas is not on screen");

    /// <summary>Where image pixel (x, y) is on the screen now.</summary>
    public async Task<(float X, float Y)> ScreenPointAsync(double x, double y)
    {
        var box = await CanvasBoxAsync();
        return ((float)(box.X + x / ImageWidth * box.Width), (float)(box.Y + y / ImageHeight * box.Height));
    }

    public async Task DrawBoxAsync(double x0, double y0, double x1, double y1)
    {
        await ByTestId("tool-box").ClickAsync();
        await MoveAsync(x0, y0);
        await Page.Mouse.DownAsync();
        await MoveAsync((x0 + x1) / 2, (y0 + y1) / 2);
        await MoveAsync(x1, y1);
        await Page.Mouse.UpAsync();
    }

    /// <summary>Clicks every corner, the last one with a double-click (which closes the polygon).</summary>
    public async Task DrawPolygonAsync(params (double X, double Y)[] corners)
    {
        await ByTestId("tool-polygon").ClickAsync();
        foreach (var (x, y) in corners[..^1])
        {
            var (sx, sy) = await ScreenPointAsync(x, y);
            await Page.Mouse.ClickAsync(sx, sy);
        }
        var (lx, ly) = await ScreenPointAsync(corners[^1].X, corners[^1].Y);
        await Page.Mouse.DblClickAsync(lx, ly);
    }

    /// <summary>One brush stroke through the points, then "Add region".</summary>
    public async Task PaintAsync(params (double X, double Y)[] stroke)
    {
        await ByTestId("tool-brush").ClickAsync();
        await MoveAsync(stroke[0].X, stroke[0].Y);
        await Page.Mouse.DownAsync();
        foreach (var (x, y) in stroke[1..]) await MoveAsync(x, y, steps: 4);
        await Page.Mouse.UpAsync();
        await Page.GetByRole(AriaRole.Button, new() { Name = "Add region" }).ClickAsync();
    }

    private async Task MoveAsync(double x, double y, int steps = 1)
    {
        var (sx, sy) = await ScreenPointAsync(x, y);
        await Page.Mouse.MoveAsync(sx, sy, new() { Steps = steps });
    }

    /// <summary>Types the question and presses Enter; returns the answer once it has finished streaming.</summary>
    public async Task<ILocator> AskAsync(string question)
    {
        var answered = await Page.Locator("[data-testid=assistant-message][data-state=done]").CountAsync();
        await ByTestId("message-input").FillAsync(question);
        await ByTestId("message-input").PressAsync("Enter");
        var answer = Page.Locator("[data-testid=assistant-message][data-state=done]").Nth(answered);
        await answer.WaitForAsync(new() { Timeout = (float)AnswerTimeout.TotalMilliseconds });
        return answer;
    }

    /// <summary>The colour a page element was given for its region (the CSS variable the page sets).</summary>
    public static Task<string> RegionColourAsync(ILocator element) =>
        element.EvaluateAsync<string>("e => getComputedStyle(e).getPropertyValue('--region-colour').trim()");

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
