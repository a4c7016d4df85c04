using System.Diagnostics;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// A cluster of real processes started by scripts/local-cluster.sh (Redis, silos, gateway) on free ports,
/// with the osprey-tiny model; disposing it runs <c>down</c> and checks nothing it started still runs.
/// </summary>
public sealed class ScriptedCluster : IAsyncDisposable
{
    private readonly string _repo = LocalClusterScriptTests.RepositoryRoot();
    private readonly Dictionary<string, string> _environment;
    private readonly List<int> _pids = [];

    public DirectoryInfo State { get; } = Directory.CreateTempSubdirectory("osprey-scripted-cluster-");
    public string GatewayUrl { get; } = $"http://127.0.0.1:{FreePorts.One()}";
    public int SiloPortBase { get; } = FreePorts.Consecutive(3);
    public int RedisPort { get; } = FreePorts.One();
    public HttpClient Http { get; }

    private ScriptedCluster(int silos, IReadOnlyDictionary<string, string> settings)
    {
        _environment = new Dictionary<string, string>
        {
            ["SILOS"] = silos.ToString(),
            ["GATEWAY_URL"] = GatewayUrl,
            ["REDIS_PORT"] = RedisPort.ToString(),
            ["SILO_PORT_BASE"] = SiloPortBase.ToString(),
            ["SILO_GATEWAY_PORT_BASE"] = FreePorts.Consecutive(3).ToString(),
            ["SILO_METRICS_PORT_BASE"] = FreePorts.Consecutive(3).ToString(),
            ["MODEL_DIR"] = FixturePaths.OspreyTiny,
            ["Osprey__DType"] = "fp32",
            ["STATE_DIR"] = State.FullName,
            ["CONFIGURATION"] = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug",
            ["NO_BUILD"] = "1",
            ["HEALTH_TIMEOUT"] = "240",
        };
        foreach (var (key, value) in settings) _environment[key] = value;
        Http = new HttpClient { BaseAddress = new Uri(GatewayUrl), Timeout = TimeSpan.FromMinutes(2) };
    }

    public static async Task<ScriptedCluster> UpAsync(int silos, IReadOnlyDictionary<string, string>? settings = null)
    {
        var cluster = new ScriptedCluster(silos, settings ?? new Dictionary<string, string>());
        var up = await LocalClusterScriptTests.RunScriptAsync(cluster._repo, "up", cluster._environment, TimeSpan.FromMinutes(12));
        if (up.ExitCode != 0)
        {
            await cluster.DisposeAsync();
            Assert.Fail($"local-cluster.sh up failed ({up.ExitCode}):\n{up.Output}");
        }
        cluster._pids.AddRange(Directory.GetFiles(Path.Combine(cluster.State.FullName, "pids"), "*.pid").Select(f => cluster.Pid(Path.GetFileNameWithoutExtension(f))));
        return cluster;
    }

    /// <summary>The PID the script recorded for a process ("gateway", "redis", "silo0", …).</summary>
    public int Pid(string name) => int.Parse(File.ReadAllText(Path.Combine(State.FullName, "pids", $"{name}.pid")).Split(' ')[0]);

    /// <summary>The script's name for the silo that answered as <paramref name="silo"/> ("127.0.0.1:port@…").</summary>
    public string SiloName(string silo) => $"silo{int.Parse(silo[(silo.IndexOf(':') + 1)..silo.IndexOf('@')]) - SiloPortBase}";

    public static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()])!;
        await kill.WaitForExitAsync();
    }

    public string Logs() => LocalClusterScriptTests.Logs(State);

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        var down = await LocalClusterScriptTests.RunScriptAsync(_repo, "down", _environment, TimeSpan.FromMinutes(2));
        Assert.True(down.ExitCode == 0, $"local-cluster.sh down failed ({down.ExitCode}):\n{down.Output}");
        Assert.All(_pids, pid => Assert.False(LocalClusterScriptTests.IsAlive(pid), $"pid {pid} still runs after down"));
        State.Delete(recursive: true);
    }
}
