using System.Diagnostics;
using System.Text.Json;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// The official <c>openai</c> npm client (pinned in tests/openai-client, installed by .ci/run) against the
/// gateway serving the default model: the model list, a completion about a region, a stream with usage, a
/// stateless follow-up served from the prefix cache, the alpha-channel region, and a refusal as an APIError.
/// </summary>
public sealed class OpenAiNodeClientTests(DefaultModelGateway gateway) : IClassFixture<DefaultModelGateway>
{
    private static readonly string ClientDirectory = Path.Combine(RepositoryPaths.Root, "tests", "openai-client");

    [Fact]
    public async Task The_openai_npm_client_runs_every_flow()
    {
        Assert.True(Directory.Exists(Path.Combine(ClientDirectory, "node_modules", "openai")),
            $"the openai client is not installed: run 'npm ci' in {ClientDirectory} (.ci/run does)");
        var examples = Path.Combine(RepositoryPaths.Root, "examples");
        var alpha = Path.Combine(Directory.CreateTempSubdirectory("osprey-alpha-").FullName, "scene-rgba.png");
        await File.WriteAllBytesAsync(alpha, AlphaScene.Png(File.ReadAllBytes(Path.Combine(examples, "scene.png")), File.ReadAllBytes(Path.Combine(examples, "region2.png"))));

        var start = new ProcessStartInfo("node", ["client-flows.mjs", new Uri(gateway.Http.BaseAddress!, "/v1").ToString(),
            Path.Combine(examples, "scene.png"), Path.Combine(examples, "region1.png"), Path.Combine(examples, "region2.png"), alpha])
        {
            WorkingDirectory = ClientDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        await node.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        Assert.True(node.ExitCode == 0, $"node exited {node.ExitCode}: {await stderr}");
        var result = JsonDocument.Parse(await stdout).RootElement;

        Assert.Equal(["osprey-default"], result.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        var first = result.GetProperty("first");
        Assert.Equal("red", first.GetProperty("content").GetString());
        Assert.Equal(first.GetProperty("content").GetString(), result.GetProperty("stream").GetProperty("content").GetString());
        Assert.Equal(first.GetProperty("usage").GetProperty("completion_tokens").GetInt32(),
            result.GetProperty("streamUsage").GetProperty("completion_tokens").GetInt32());

        var usage = result.GetProperty("followUp").GetProperty("usage");
        var cached = usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.True(cached >= 0.8 * usage.GetProperty("prompt_tokens").GetInt32(), $"{cached} of {usage.GetProperty("prompt_tokens").GetInt32()} cached");

        Assert.Equal("red", result.GetProperty("alpha").GetProperty("content").GetString());
        var refusal = result.GetProperty("refusal");
        Assert.True(refusal.GetProperty("isApiError").GetBoolean());
        Assert.Equal(400, refusal.GetProperty("status").GetInt32());
        Assert.Equal("n", refusal.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", refusal.GetProperty("type").GetString());
    }
}
