using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>scripts/local-cluster.sh: up with two silos, a real request through Redis clustering, down leaves nothing running.</summary>
public sealed class LocalClusterScriptTests
{
    [RequiresRedisServerFact]
    public async Task UpServesRequestsThroughTwoSilosAndDownStopsEveryProcess()
    {
        var repo = RepositoryRoot();
        var state = Directory.CreateTempSubdirectory("osprey-local-cluster-");
        var gatewayUrl = $"http://127.0.0.1:{FreePorts.One()}";
        var environment = new Dictionary<string, string>
        {
            ["SILOS"] = "2",
            ["GATEWAY_URL"] = gatewayUrl,
            ["REDIS_PORT"] = FreePorts.One().ToString(),
            ["SILO_PORT_BASE"] = FreePorts.Consecutive(2).ToString(),
            ["SILO_GATEWAY_PORT_BASE"] = FreePorts.Consecutive(2).ToString(),
            ["MODEL_DIR"] = FixturePaths.OspreyTiny,
            ["STATE_DIR"] = state.FullName,
            // Build in the configuration the tests were built in, so the script's build is incremental.
            ["CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug",
            ["HEALTH_TIMEOUT"] = "240",
        };
        var pids = new List<int>();
        try
        {
            var up = await RunScriptAsync(repo, "up", environment, TimeSpan.FromMinutes(12));
            Assert.True(up.ExitCode == 0, $"local-cluster.sh up failed ({up.ExitCode}):\n{up.Output}");

            var pidFiles = Directory.GetFiles(Path.Combine(state.FullName, "pids"), "*.pid");
            Assert.Equal(["gateway", "redis", "silo0", "silo1"], pidFiles.Select(Path.GetFileNameWithoutExtension).Order().ToArray());
            pids.AddRange(pidFiles.Select(f => int.Parse(File.ReadAllText(f).Split(' ')[0])));
            Assert.All(pids, pid => Assert.True(IsAlive(pid), $"pid {pid} from {state.FullName} is not running"));

            using var http = new HttpClient { BaseAddress = new Uri(gatewayUrl), Timeout = TimeSpan.FromMinutes(3) };
            using (var health = await http.GetAsync("/healthz"))
            {
                var body = await ExpectJsonAsync(health, HttpStatusCode.OK);
                Assert.Equal("distributed", body.GetProperty("mode").GetString());
                Assert.Equal(2, body.GetProperty("silos").GetInt32());
            }

            var caseName = "p2_tiny_37x53";
            var imageId = (await UploadAsync(http, await File.ReadAllBytesAsync(TestImage.CaseFile(caseName, "image.png")))).GetProperty("id").GetString()!;
            var conversationId = await CreateConversationAsync(http, imageId, [PngRegion(await File.ReadAllBytesAsync(TestImage.CaseFile(caseName, "mask1.png")))]);
            var answer = await AskAsync(http, conversationId, "What is <region1>?", maxNewTokens: 2);
            Assert.False(string.IsNullOrEmpty(answer.GetProperty("silo").GetString()));
        }
        finally
        {
            var down = await RunScriptAsync(repo, "down", environment, TimeSpan.FromMinutes(2));
            Assert.True(down.ExitCode == 0, $"local-cluster.sh down failed ({down.ExitCode}):\n{down.Output}");
            Assert.All(pids, pid => Assert.False(IsAlive(pid), $"pid {pid} still runs after down"));
            Assert.Empty(Directory.GetFiles(Path.Combine(state.FullName, "pids")));
            state.Delete(recursive: true);
        }
    }

    private static bool IsAlive(int pid)
    {
        // A zombie has released everything; only a process that still runs counts.
        var status = $"/proc/{pid}/status";
        return File.Exists(status) && !File.ReadAllLines(status).Any(l => l.StartsWith("State:") && l.Contains("zombie"));
    }

    private static async Task<(int ExitCode, string Output)> RunScriptAsync(string repo, string command, Dictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(repo, "scripts", "local-cluster.sh"), command])
        {
            WorkingDirectory = repo,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"timed out after {timeout}\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, $"{await stdout}\n{await stderr}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OspreyCluster.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("OspreyCluster.sln not found above the test binaries");
    }
}
