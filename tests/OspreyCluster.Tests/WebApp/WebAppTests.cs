using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Playwright;
using OspreyCluster.Tests.Gateway;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace OspreyCluster.Tests.WebApp;

/// <summary>
/// The region-chat web app in a real browser (Debian's chromium) against the embedded gateway serving
/// the default model, on the example scene (examples/README.md: a red hexagon at x 4–53, y 40–83, a blue
/// triangle and a green ring at the bottom).
/// </summary>
public sealed class WebAppTests(DefaultModelGateway gateway, SystemChromium chromium, ITestOutputHelper output)
    : IClassFixture<DefaultModelGateway>, IClassFixture<SystemChromium>
{
    private const string ColourQuestion = "What colour is <region1>? Answer the question using a single word or phrase.";
    private const string ShapeQuestion = "What is <region2>? Answer the question using a single word or phrase.";

    private static string Scene => Path.Combine(RepositoryPaths.Root, "examples", "scene.png");

    private static string Artifacts => Path.Combine(RepositoryPaths.Root, "artifacts", "webapp");

    private Uri Gateway => gateway.Http.BaseAddress!;

    [Fact]
    public async Task RegionConversationAboutTheExampleScene()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        await app.UploadAsync(Scene);
        Assert.Equal((128, 128), (app.ImageWidth, app.ImageHeight));
        var canvas = await app.CanvasBoxAsync();
        Assert.True(canvas.Width > 128 * 2, $"the 128-pixel scene should be shown enlarged at 1280×800, got {canvas.Width} px wide");
        Assert.InRange(canvas.Width / canvas.Height, 0.99, 1.01);

        // A box around the red hexagon: the API gets it in image pixels.
        await app.DrawBoxAsync(2, 38, 56, 86);
        await Expect(app.ByTestId("region-item")).ToHaveCountAsync(1);
        await Expect(app.ByTestId("region-item").First).ToContainTextAsync("region1");

        var created = app.Page.WaitForRequestAsync(r => r.Url.EndsWith("/v1/conversations") && r.Method == "POST");
        var streamed = app.Page.WaitForResponseAsync(r => r.Url.EndsWith("/messages") && r.Request.Method == "POST");
        await RecordBubbleTextsAsync(app.Page);
        var answer = await app.AskAsync(ColourQuestion);

        var box = JsonDocument.Parse((await created).PostData!).RootElement.GetProperty("regions")[0].GetProperty("mask").GetProperty("box");
        double[] expected = [2, 38, 56, 86];
        for (var i = 0; i < 4; i++)
            Assert.InRange(box[i].GetDouble(), expected[i] - 1, expected[i] + 1);
        var response = await streamed;
        Assert.StartsWith("text/event-stream", await response.Request.HeaderValueAsync("accept"));
        Assert.StartsWith("text/event-stream", await response.HeaderValueAsync("content-type"));
        var answerText = (await answer.Locator(".bubble").InnerTextAsync()).Trim();
        output.WriteLine($"colour of the box around the hexagon: {answerText}");
        Assert.Equal("red", answerText, ignoreCase: true);
        // What the page showed while the answer streamed were growing beginnings of the answer.
        var shown = await app.Page.EvaluateAsync<string[]>("() => window.bubbleTexts");
        Assert.NotEmpty(shown);
        Assert.Equal(answerText, shown[^1].Trim());
        for (var i = 1; i < shown.Length; i++) Assert.StartsWith(shown[i - 1], shown[i]);

        // The question names region1, highlighted in region1's colour.
        var region1Colour = await WebAppPage.RegionColourAsync(app.ByTestId("region-item").First);
        var mention = app.Page.Locator(".turn.user mark.region-ref").First;
        await Expect(mention).ToHaveTextAsync("<region1>");
        Assert.Equal(region1Colour, await WebAppPage.RegionColourAsync(mention));

        // A polygon around the triangle and a brush stroke over the ring: listed as region2 and region3,
        // each in its own colour, and the page says the next question starts a new conversation.
        await app.DrawPolygonAsync((54, 66), (75, 103), (33, 103));
        await app.PaintAsync((73, 86), (76, 95), (72, 104), (64, 108));
        var items = app.ByTestId("region-item");
        await Expect(items).ToHaveCountAsync(3);
        var names = await items.Locator(".region-name").AllInnerTextsAsync();
        Assert.Equal(["region1", "region2", "region3"], names);
        Assert.Equal(["box", "polygon", "brush"], await items.Locator(".region-kind").AllInnerTextsAsync());
        var colours = new List<string>();
        for (var i = 0; i < 3; i++) colours.Add(await WebAppPage.RegionColourAsync(items.Nth(i)));
        Assert.Equal(3, colours.Distinct().Count());
        await Expect(app.Page.Locator(".chat-log .divider")).ToContainTextAsync("new conversation");

        // The next question starts a new conversation with all three regions (the brush as a mask PNG).
        var recreated = app.Page.WaitForRequestAsync(r => r.Url.EndsWith("/v1/conversations") && r.Method == "POST");
        var second = await app.AskAsync(ShapeQuestion);
        var regions = JsonDocument.Parse((await recreated).PostData!).RootElement.GetProperty("regions");
        Assert.Equal(["box", "polygon", "png"], regions.EnumerateArray().Select(r => r.GetProperty("mask").EnumerateObject().Single().Name));
        var secondText = (await second.Locator(".bubble").InnerTextAsync()).Trim();
        output.WriteLine($"the polygon around the triangle: {secondText}");
        Assert.NotEmpty(secondText);
        await Expect(app.ByTestId("assistant-message")).ToHaveCountAsync(2);

        // Describe all: one short description under each region.
        await app.ByTestId("describe-all").ClickAsync();
        var descriptions = items.Locator(".region-description.done");
        await Expect(descriptions).ToHaveCountAsync(3, new() { Timeout = (float)WebAppPage.AnswerTimeout.TotalMilliseconds });
        foreach (var (text, i) in (await descriptions.AllInnerTextsAsync()).Select((t, i) => (t, i)))
        {
            output.WriteLine($"region{i + 1}: {text}");
            Assert.False(string.IsNullOrWhiteSpace(text));
        }

        Directory.CreateDirectory(Artifacts);
        var wide = Path.Combine(Artifacts, "region-conversation-1280x800.png");
        await app.Page.ScreenshotAsync(new() { Path = wide });
        output.WriteLine($"screenshot: {wide}");

        // On a phone the panels stack (image, regions, conversation) and nothing runs off the side.
        await app.Page.SetViewportSizeAsync(390, 844);
        // The canvas is laid out again after the resize (a resize observer redraws it): read the
        // panels once the layout has settled, not in the frame the viewport changed.
        var stacked = false;
        for (var attempt = 0; attempt < 50 && !stacked; attempt++)
        {
            if (attempt > 0) await Task.Delay(100);
            var image = await app.Page.Locator(".image-panel").BoundingBoxAsync();
            var list = await app.Page.Locator(".regions-panel").BoundingBoxAsync();
            var chat = await app.Page.Locator(".chat-panel").BoundingBoxAsync();
            stacked = image!.Y + image.Height <= list!.Y && list.Y + list.Height <= chat!.Y;
        }
        Assert.True(stacked, "the panels should stack on a 390-pixel screen");
        Assert.True(await app.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth") <= 390, "the page should not scroll sideways at 390 pixels");
        var canvasOnPhone = await app.CanvasBoxAsync();
        Assert.True(canvasOnPhone.X >= 0 && canvasOnPhone.X + canvasOnPhone.Width <= 390);
        var narrow = Path.Combine(Artifacts, "region-conversation-390.png");
        await app.Page.ScreenshotAsync(new() { Path = narrow, FullPage = true });
        output.WriteLine($"screenshot: {narrow}");

        Assert.Empty(app.PageErrors);
        Assert.Empty(app.ConsoleErrors);
    }

    [Fact]
    public async Task RefusedUploadShowsTheApisDetail()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        var notAnImage = "these are notes, not a picture\n"u8.ToArray();
        var response = await app.PickImageAsync(new FilePayload { Name = "notes.png", MimeType = "image/png", Buffer = notAnImage });
        Assert.Equal(415, response.Status);

        // The API's own reason, asked for directly, is what the page shows beside the image picker.
        using var content = new ByteArrayContent(notAnImage);
        content.Headers.ContentType = new MediaTypeHeaderValue("image/png");
        using var direct = await gateway.Http.PostAsync("/v1/images", content);
        var detail = JsonDocument.Parse(await direct.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;
        var problem = app.Page.Locator("#image-problem");
        await Expect(problem).ToBeVisibleAsync();
        await Expect(problem).ToHaveTextAsync(detail);
        await Expect(app.ByTestId("image-canvas")).ToBeHiddenAsync();

        Assert.Empty(app.PageErrors);
        // The browser itself logs the refused request; nothing else may be in the console.
        Assert.All(app.ConsoleErrors, e => Assert.Contains("status of 415", e));
    }

    [Fact]
    public async Task LostConnectionSaysSoAndRetries_RefusedQuestionShowsTheApisDetail()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        await app.UploadAsync(Scene);
        await app.DrawBoxAsync(2, 38, 56, 86);

        // The server cannot be reached for the question: the turn says so and offers to retry.
        await app.Page.RouteAsync("**/messages", route => route.AbortAsync("connectionrefused"));
        await app.ByTestId("message-input").FillAsync(ColourQuestion);
        await app.ByTestId("send").ClickAsync();
        var problem = app.Page.Locator(".turn.user .problem");
        await Expect(problem).ToContainTextAsync("Lost the connection");
        await Expect(app.ByTestId("assistant-message")).ToHaveCountAsync(0);

        await app.Page.UnrouteAsync("**/messages");
        await problem.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();
        var answer = app.Page.Locator("[data-testid=assistant-message][data-state=done]");
        await answer.WaitForAsync(new() { Timeout = (float)WebAppPage.AnswerTimeout.TotalMilliseconds });
        await Expect(answer.Locator(".bubble")).ToHaveTextAsync("red", new() { IgnoreCase = true });
        await Expect(problem).ToBeHiddenAsync();

        // A question about a region that does not exist: the conversation's refusal, under the question.
        await app.ByTestId("message-input").FillAsync("What is <region4>?");
        await app.ByTestId("message-input").PressAsync("Enter");
        var refusal = app.Page.Locator(".turn.user").Last.Locator(".problem");
        await Expect(refusal).ToContainTextAsync("<region4> refers to a region that does not exist");
        await Expect(app.ByTestId("assistant-message")).ToHaveCountAsync(1);

        Assert.Empty(app.PageErrors);
        // Only the deliberately failed request and the 400 refusal show up as network errors.
        Assert.All(app.ConsoleErrors, e => Assert.Matches("ERR_CONNECTION_REFUSED|status of 400", e));
    }

    [Fact]
    public async Task RegionNamesInAnAnswerTakeTheirRegionsColours()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        await app.UploadAsync(Scene);
        await app.DrawBoxAsync(2, 38, 56, 86);
        await app.DrawPolygonAsync((54, 66), (75, 103), (33, 103));

        // The default model answers this conversation's questions in words, not region names, so the
        // answer is scripted here: the gateway's event stream, with a region name split across tokens.
        await app.Page.RouteAsync("**/messages", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/event-stream",
            Body = string.Concat(
                Event("token", """{"text":"region"}"""),
                Event("token", """{"text":"2 is larger than "}"""),
                Event("token", """{"text":"<region1>."}"""),
                Event("done", """{"text":"region2 is larger than <region1>.","silo":"s","promptTokens":40,"prefilledTokens":40,"generatedTokens":3,"finishReason":"stop"}""")),
        }));
        var answer = await app.AskAsync("Which is larger, <region1> or <region2>?");
        await Expect(answer.Locator(".bubble")).ToHaveTextAsync("region2 is larger than <region1>.");
        var marks = answer.Locator("mark.region-ref");
        await Expect(marks).ToHaveTextAsync(["region2", "<region1>"]);
        var items = app.ByTestId("region-item");
        Assert.Equal(await WebAppPage.RegionColourAsync(items.Nth(1)), await WebAppPage.RegionColourAsync(marks.Nth(0)));
        Assert.Equal(await WebAppPage.RegionColourAsync(items.Nth(0)), await WebAppPage.RegionColourAsync(marks.Nth(1)));
        Assert.NotEqual(await WebAppPage.RegionColourAsync(marks.Nth(0)), await WebAppPage.RegionColourAsync(marks.Nth(1)));
        await Expect(answer.Locator(".meta")).ToHaveTextAsync("3 tokens");
        Assert.Empty(app.PageErrors);
        Assert.Empty(app.ConsoleErrors);

        static string Event(string name, string json) => $"event: {name}\ndata: {json}\n\n";
    }

    [Fact]
    public async Task LargeImageIsShownScaledDownAndRegionsGoToTheApiInImagePixels()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        // A 2400×1200 picture, painted in the page (a plain PNG stays well under the gateway's upload limit).
        var png = Convert.FromBase64String(await app.Page.EvaluateAsync<string>("""
            async () => {
              const canvas = new OffscreenCanvas(2400, 1200);
              const context = canvas.getContext('2d');
              context.fillStyle = '#8a9'; context.fillRect(0, 0, 2400, 1200);
              context.fillStyle = '#c33'; context.fillRect(600, 300, 1200, 600);
              const bytes = new Uint8Array(await (await canvas.convertToBlob({ type: 'image/png' })).arrayBuffer());
              let text = ''; for (const b of bytes) text += String.fromCharCode(b);
              return btoa(text);
            }
            """));
        await app.UploadAsync(png, "wide.png");
        Assert.Equal((2400, 1200), (app.ImageWidth, app.ImageHeight));
        var canvas = await app.CanvasBoxAsync();
        Assert.True(canvas.Width < 2400 / 2, $"a 2400-pixel image should be shown scaled down, got {canvas.Width} px");
        Assert.InRange(canvas.Width / canvas.Height, 1.98, 2.02);

        // Two boxes; deleting the first renames the second region1.
        await app.DrawBoxAsync(100, 100, 300, 250);
        await app.DrawBoxAsync(600, 300, 1800, 900);
        await Expect(app.ByTestId("region-item")).ToHaveCountAsync(2);
        await app.Page.GetByRole(AriaRole.Button, new() { Name = "Delete region1" }).ClickAsync();
        await Expect(app.ByTestId("region-item")).ToHaveCountAsync(1);
        await Expect(app.ByTestId("region-item").Locator(".region-name")).ToHaveTextAsync("region1");

        // What reaches the API is in the image's pixels, within one screen pixel's worth of image.
        string? sent = null;
        await app.Page.RouteAsync("**/v1/conversations", async route =>
        {
            sent = route.Request.PostData;
            await route.AbortAsync();
        });
        await app.ByTestId("message-input").FillAsync("What is <region1>?");
        await app.ByTestId("send").ClickAsync();
        await Expect(app.Page.Locator(".turn.user .problem")).ToContainTextAsync("Lost the connection");
        var box = JsonDocument.Parse(sent!).RootElement.GetProperty("regions").EnumerateArray().Single().GetProperty("mask").GetProperty("box");
        var slack = 2400 / canvas.Width + 1;
        double[] expected = [600, 300, 1800, 900];
        for (var i = 0; i < 4; i++)
            Assert.InRange(box[i].GetDouble(), expected[i] - slack, expected[i] + slack);
        Assert.Empty(app.PageErrors);
    }

    [Fact]
    public async Task DroppedImageOpens()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 390, 844);
        var scene = Convert.ToBase64String(await File.ReadAllBytesAsync(Scene));
        var response = await app.Page.RunAndWaitForResponseAsync(() => app.Page.EvaluateAsync("""
            scene => {
              const bytes = Uint8Array.from(atob(scene), c => c.charCodeAt(0));
              const transfer = new DataTransfer();
              transfer.items.add(new File([bytes], 'scene.png', { type: 'image/png' }));
              for (const type of ['dragenter', 'dragover', 'drop'])
                document.body.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
            }
            """, scene), r => r.Url.EndsWith("/v1/images") && r.Request.Method == "POST");
        Assert.Equal(201, response.Status);
        await Expect(app.ByTestId("image-canvas")).ToBeVisibleAsync();
        await Expect(app.Page.Locator("#image-status")).ToContainTextAsync("scene.png");
        Assert.Empty(app.PageErrors);
        Assert.Empty(app.ConsoleErrors);
    }

    [Fact]
    public async Task ControlsHaveLabelsAndAreReachableByKeyboard()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, Gateway, 1280, 800);
        var unlabelled = await app.Page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('button, input, textarea, select, a[href], canvas')]
              .filter(e => !(e.getAttribute('aria-label') || e.labels?.[0]?.textContent.trim() || e.textContent.trim() || e.title))
              .map(e => e.outerHTML.slice(0, 80))
            """);
        Assert.Empty(unlabelled);

        var reached = new HashSet<string>();
        for (var i = 0; i < 25; i++)
        {
            await app.Page.Keyboard.PressAsync("Tab");
            var id = await app.Page.EvaluateAsync<string?>("() => document.activeElement?.dataset.testid ?? null");
            if (id is not null) reached.Add(id);
        }
        Assert.Superset(new HashSet<string> { "image-input", "tool-box", "tool-polygon", "tool-brush", "message-input", "send" }, reached);

        // Tools work from the keyboard too.
        await app.ByTestId("tool-brush").FocusAsync();
        await app.Page.Keyboard.PressAsync("Enter");
        await Expect(app.ByTestId("tool-brush")).ToHaveAttributeAsync("aria-pressed", "true");
        Assert.Empty(app.PageErrors);
        Assert.Empty(app.ConsoleErrors);
    }

    /// <summary>Records every text the answer bubbles show, so the test can see the answer grow.</summary>
    private static Task RecordBubbleTextsAsync(IPage page) => page.EvaluateAsync("""
        () => {
          window.bubbleTexts = [];
          new MutationObserver(() => {
            const bubbles = document.querySelectorAll('[data-testid=assistant-message] .bubble');
            const text = bubbles[bubbles.length - 1]?.textContent;
            if (text && text !== window.bubbleTexts[window.bubbleTexts.length - 1]) window.bubbleTexts.push(text);
          }).observe(document.getElementById('chat-log'), { childList: true, subtree: true, characterData: true });
        }
        """);
}
