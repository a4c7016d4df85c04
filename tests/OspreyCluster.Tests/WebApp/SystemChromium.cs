using Microsoft.Playwright;

namespace OspreyCluster.Tests.WebApp;

/// <summary>
/// Debian's chromium, driven through Playwright's own driver (shipped in the NuGet package): nothing is
/// downloaded, as the machines are offline. <c>.ci/run</c> installs the package. Playwright gives every
/// launch a fresh temporary profile; the flags keep chromium from calling out (its connections are
/// refused on a closed network) and let it run as root in a container.
/// </summary>
public sealed class SystemChromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"{ExecutablePath} is missing: install Debian's chromium package (bash .ci/run does)");
        playwright = await Playwright.CreateAsync();
        Browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        playwright?.Dispose();
    }
}
