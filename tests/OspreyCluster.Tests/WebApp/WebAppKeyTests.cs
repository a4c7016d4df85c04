using Microsoft.Playwright;
using OspreyCluster.Tests.Gateway;
using static Microsoft.Playwright.Assertions;

namespace OspreyCluster.Tests.WebApp;

/// <summary>
/// The web app against a gateway that requires API keys (<see cref="KeyedGateway"/>, osprey-tiny): the page
/// asks for a key, says so when it is wrong, keeps it for the tab and sends it as a bearer key on every call.
/// </summary>
public sealed class WebAppKeyTests(KeyedGateway gateway, SystemChromium chromium)
    : IClassFixture<KeyedGateway>, IClassFixture<SystemChromium>
{
    private static string Scene => Path.Combine(RepositoryPaths.Root, "examples", "scene.png");

    [Fact]
    public async Task The_page_asks_for_a_key_refuses_a_wrong_one_and_sends_the_right_one_on_every_call()
    {
        await using var app = await WebAppPage.OpenAsync(chromium.Browser, gateway.Http.BaseAddress!, 1280, 800);
        var form = app.ByTestId("api-key-form");
        var status = app.ByTestId("api-key-status");
        var input = app.Page.GetByLabel("API key");

        // The page asked the API at load and was told a key is needed.
        await Expect(form).ToBeVisibleAsync();
        await Expect(status).ToContainTextAsync("needs an API key");

        // A wrong key: the field says it was not accepted, and an upload with it is refused with the reason.
        await input.FillAsync("not-a-key");
        await input.PressAsync("Enter");
        await Expect(status).ToContainTextAsync("not accepted");
        var png = await File.ReadAllBytesAsync(Scene);
        var refused = await app.PickImageAsync(new FilePayload { Name = "scene.png", MimeType = "image/png", Buffer = png });
        Assert.Equal(401, refused.Status);
        Assert.Equal("Bearer not-a-key", await refused.Request.HeaderValueAsync("authorization"));
        var problem = app.Page.Locator("#image-problem");
        await Expect(problem).ToContainTextAsync("not valid");
        await Expect(problem).ToContainTextAsync("Enter the API key above");

        // The right key: accepted, kept for the tab, and the refused upload goes through on Retry.
        await input.FillAsync(KeyedGateway.AliceKey);
        await app.Page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await Expect(status).ToContainTextAsync("Key accepted");
        Assert.Equal(KeyedGateway.AliceKey, await app.Page.EvaluateAsync<string>("() => sessionStorage.getItem('osprey.apiKey')"));
        var uploaded = await app.Page.RunAndWaitForResponseAsync(
            () => problem.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync(),
            r => r.Url.EndsWith("/v1/images") && r.Request.Method == "POST");
        Assert.Equal(201, uploaded.Status);
        Assert.Equal($"Bearer {KeyedGateway.AliceKey}", await uploaded.Request.HeaderValueAsync("authorization"));
        await Expect(app.ByTestId("image-canvas")).ToBeVisibleAsync();

        // A conversation: creating it and streaming the answer carry the key too.
        var created = app.Page.WaitForRequestAsync(r => r.Url.EndsWith("/v1/conversations") && r.Method == "POST");
        var streamed = app.Page.WaitForRequestAsync(r => r.Url.EndsWith("/messages") && r.Method == "POST");
        app.UseImageSize(128, 128);
        await app.DrawBoxAsync(2, 38, 56, 86);
        await app.AskAsync("What colour is <region1>?");
        Assert.Equal($"Bearer {KeyedGateway.AliceKey}", await (await created).HeaderValueAsync("authorization"));
        Assert.Equal($"Bearer {KeyedGateway.AliceKey}", await (await streamed).HeaderValueAsync("authorization"));

        // A reload keeps the key for the tab and asks for nothing.
        await app.Page.ReloadAsync();
        await Expect(form).ToBeVisibleAsync();
        await Expect(status).ToContainTextAsync("Using the key set for this tab");
        await Expect(status).Not.ToContainTextAsync("not accepted");
        Assert.Empty(app.PageErrors);
        // The browser itself logs the refused requests; nothing else may be in the console.
        Assert.All(app.ConsoleErrors, e => Assert.Contains("status of 401", e));
    }
}
