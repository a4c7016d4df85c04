using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using static OspreyCluster.Tests.Gateway.GatewayRequests;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// scripts/local-cluster.sh: up with two silo processes clustered through Redis (membership and grain
/// state), a conversation over HTTP that survives stopping the silo holding its image, and down
/// leaving nothing running.
/// </summary>
public sealed class LocalClusterScriptTests(ReferenceFixture reference) : IClassFixture<ReferenceFixture>
{
    [RequiresRedisServerFact]
    public async Task UpServesThroughTwoSilosSurvivesStoppingTheImageSiloAndDownStopsEveryProcess()
    {
        var repo = RepositoryRoot();
        var state = Directory.CreateTempSubdirectory("osprey-local-cluster-");
        var gatewayUrl = $"http://127.0.0.1:{FreePorts.One()}";
        var siloPortBase = FreePorts.Consecutive(2);
        var siloMetricsPortBase = FreePorts.Consecutive(2);
        var environment = new Dictionary<string, string>
        {
            ["SILOS"] = "2",
            ["GATEWAY_URL"] = gatewayUrl,
            ["REDIS_PORT"] = FreePorts.One().ToString(),
            ["SILO_PORT_BASE"] = siloPortBase.ToString(),
            ["SILO_GATEWAY_PORT_BASE"] = FreePorts.Consecutive(2).ToString(),
            ["SILO_METRICS_PORT_BASE"] = siloMetricsPortBase.ToString(),
            ["MODEL_DIR"] = FixturePaths.OspreyTiny,
            // The silos read it as Osprey:DType; answers are compared with an fp32 reference engine.
            ["Osprey__DType"] = "fp32",
            ["STATE_DIR"] = state.FullName,
            // The test project references the silo and gateway projects, so their binaries were just
            // built from this tree in this configuration; a second build would only cost minutes.
            ["CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug",
            ["NO_BUILD"] = "1",
            ["HEALTH_TIMEOUT"] = "240",
        };
        var pids = new List<int>();
        try
        {
            var up = await RunScriptAsync(repo, "up", environment, TimeSpan.FromMinutes(12));
            Assert.True(up.ExitCode == 0, $"local-cluster.sh up failed ({up.ExitCode}):\n{up.Output}\n{Logs(state)}");

            var pidFiles = Directory.GetFiles(Path.Combine(state.FullName, "pids"), "*.pid");
            Assert.Equal(["gateway", "redis", "silo0", "silo1"], pidFiles.Select(f => Path.GetFileNameWithoutExtension(f)!).Order().ToArray());
            pids.AddRange(pidFiles.Select(f => int.Parse(File.ReadAllText(f).Split(' ')[0])));
            Assert.All(pids, pid => Assert.True(IsAlive(pid), $"pid {pid} from {state.FullName} is not running"));
            // The engine's threads allocate from glibc's main arena in every host the script starts (NativeHeap).
            foreach (var host in new[] { "gateway", "silo0", "silo1" })
            {
                var pid = int.Parse(File.ReadAllText(Path.Combine(state.FullName, "pids", host + ".pid")).Split(' ')[0]);
                Assert.Contains($"{Osprey.Engine.Devices.NativeHeap.ArenaLimitVariable}=1", File.ReadAllText($"/proc/{pid}/environ").Split('\0'));
            }

            // Each silo warmed its engine up before it joined; the warm-up's encodes count nowhere (one encode below).
            foreach (var silo in new[] { "silo0", "silo1" })
                Assert.Contains("Warmed up the engine in", File.ReadAllText(Path.Combine(state.FullName, "logs", silo + ".log")));

            using var http = new HttpClient { BaseAddress = new Uri(gatewayUrl), Timeout = TimeSpan.FromMinutes(3) };
            using (var health = await http.GetAsync("/healthz"))
            {
                var body = await ExpectJsonAsync(health, HttpStatusCode.OK);
                Assert.Equal("distributed", body.GetProperty("mode").GetString());
                Assert.Equal(2, body.GetProperty("silos").GetInt32());
            }

            var image = TestImage.MultiTurn;
            var imageId = (await UploadAsync(http, image.Bytes)).GetProperty("id").GetString()!;
            var conversationId = await CreateConversationAsync(http, imageId, [.. image.MaskPngs.Select(png => PngRegion(png))]);
            var script = ConversationScripts.For(1);
            var expected = reference.Reference.Conversation(image, script, ConversationScripts.MaxNewTokens);
            var before = new List<string>();
            for (var turn = 0; turn < 2; turn++)
            {
                var answer = await AskAsync(http, conversationId, script[turn], ConversationScripts.MaxNewTokens);
                Assert.Equal(expected[turn].Text, answer.GetProperty("text").GetString());
                before.Add(answer.GetProperty("silo").GetString()!);
            }
            var imageSilo = Assert.Single(before.Distinct());
            // The cluster's encode total is kept in Redis by the silos: one encode so far.
            var encodes = await EncodeTotalWhen(http, n => n >= 1);
            Assert.Equal(1, encodes);

            var port = int.Parse(imageSilo[(imageSilo.IndexOf(':') + 1)..imageSilo.IndexOf('@')]);
            // Each silo process serves its own engine's metrics, labelled with the silo.
            var siloMetrics = await http.GetStringAsync($"http://127.0.0.1:{siloMetricsPortBase + port - siloPortBase}/metrics");
            var siloEncodes = Assert.Single(PrometheusText.Samples(siloMetrics), s => s.Name == "osprey_silo_image_encodes_total");
            Assert.Equal(($"silo=\"{imageSilo}\"", 1.0), (siloEncodes.Labels, siloEncodes.Value));

            // Stop the silo process that holds the image (and so the conversation): it leaves the
            // Redis membership table, and the next turn re-creates both from Redis-stored state elsewhere.
            var siloPid = int.Parse(File.ReadAllText(Path.Combine(state.FullName, "pids", $"silo{port - siloPortBase}.pid")).Split(' ')[0]);
            using (var kill = Process.Start("kill", ["-TERM", siloPid.ToString()])) await kill.WaitForExitAsync();
            var stopDeadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (IsAlive(siloPid) && DateTime.UtcNow < stopDeadline) await Task.Delay(100);
            Assert.False(IsAlive(siloPid), $"silo pid {siloPid} did not stop on SIGTERM");

            var after = await AskAsync(http, conversationId, script[2], ConversationScripts.MaxNewTokens);
            Assert.NotEqual(imageSilo, after.GetProperty("silo").GetString());
            Assert.Equal(expected[2].Text, after.GetProperty("text").GetString());
            Assert.Equal(expected[2].PromptPositions, after.GetProperty("promptTokens").GetInt32());
            // Nothing was resident on the new silo: the whole history went through prefill again.
            Assert.Equal(expected[2].PromptPositions, after.GetProperty("prefilledTokens").GetInt32());
            // The stopped silo's encode still counts, and so does the new silo's re-encode.
            Assert.Equal(2, await EncodeTotalWhen(http, n => n >= 2));
            // The dashboard's grain gathers the cluster's state once a second after its first request.
            var active = 0;
            for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20); active != 1 && DateTime.UtcNow < deadline; await Task.Delay(500))
            {
                using var dashboard = await http.GetAsync("/dashboard/DashboardCounters");
                active = (await ExpectJsonAsync(dashboard, HttpStatusCode.OK)).GetProperty("hosts").EnumerateArray()
                    .Count(host => host.GetProperty("status").GetString() == "Active");
            }
            Assert.Equal(1, active);
            using (var get = await http.GetAsync($"/v1/conversations/{conversationId}"))
            {
                var messages = (await ExpectJsonAsync(get, HttpStatusCode.OK)).GetProperty("messages").EnumerateArray()
                    .Select(m => (m.GetProperty("role").GetString()!, m.GetProperty("text").GetString()!)).ToList();
                Assert.Equal(script.Zip(expected).SelectMany(p => new[] { ("user", p.First), ("assistant", p.Second.Text) }), messages);
            }
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

    /// <summary>osprey_image_encodes_total from the gateway's /metrics, polled until <paramref name="done"/> or 20 s.</summary>
    private static async Task<double?> EncodeTotalWhen(HttpClient http, Func<double, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var total = PrometheusText.Sum(await http.GetStringAsync("/metrics"), "osprey_image_encodes_total");
            if (total is { } n && done(n) || DateTime.UtcNow > deadline) return total;
            await Task.Delay(200);
        }
    }

    /// <summary>The end of every process's log, for a failure message.</summary>
    internal static string Logs(DirectoryInfo state) => string.Join("\n", Directory.GetFiles(Path.Combine(state.FullName, "logs"), "*.log")
        .Select(log => $"--- {Path.GetFileName(log)}\n{string.Join("\n", File.ReadLines(log).TakeLast(25))}"));

    internal static bool IsAlive(int pid)
    {
        // A zombie has released everything; only a process that still runs counts.
        var status = $"/proc/{pid}/status";
        return File.Exists(status) && !File.ReadAllLines(status).Any(l => l.StartsWith("State:") && l.Contains("zombie"));
    }

    internal static async Task<(int ExitCode, string Output)> RunScriptAsync(string repo, string command, Dictionary<string, string> environment, TimeSpan timeout)
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

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "OspreyCluster.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("OspreyCluster.sln not found above the test binaries");
    }
}
