using System.Diagnostics;
using System.Text;

namespace OspreyCluster.Tests.Gateway;

/// <summary>
/// A silo or gateway program run as a child process from its built binaries (as scripts/local-cluster.sh
/// runs them), with the osprey-tiny model; its output is kept for failure messages, and disposing it kills
/// it if it still runs.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private HostProcess(string name, string dll, IEnumerable<string> arguments)
    {
        Name = name;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        _process = Process.Start(start) ?? throw new InvalidOperationException($"{dll} did not start");
        _process.OutputDataReceived += (_, line) => Append(line.Data);
        _process.ErrorDataReceived += (_, line) => Append(line.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>A silo of the cluster <paramref name="clusterId"/> clustered through <paramref name="redis"/>.</summary>
    public static HostProcess Silo(string redis, string clusterId, params string[] settings)
    {
        var siloPort = FreePorts.One();
        return new HostProcess($"silo:{siloPort}", Binary("src/Silo", "Silo.dll"),
        [
            $"--Osprey:Redis={redis}", $"--Orleans:ClusterId={clusterId}", "--Orleans:AdvertisedIP=127.0.0.1",
            $"--Orleans:SiloPort={siloPort}", $"--Orleans:GatewayPort={FreePorts.One()}",
            $"--Osprey:ModelDirectory={FixturePaths.OspreyTiny}", "--Osprey:DType=fp32", .. settings,
        ]);
    }

    /// <summary>A gateway (an Orleans client of the cluster) listening on <paramref name="url"/>.</summary>
    public static HostProcess Gateway(string redis, string clusterId, string url, params string[] settings) =>
        new($"gateway:{url}", Binary("src/Gateway", "OspreyCluster.Gateway.dll"),
            [$"--Osprey:Redis={redis}", $"--Orleans:ClusterId={clusterId}", $"--urls={url}", .. settings]);

    public Task SignalAsync(string signal) => ScriptedCluster.SignalAsync(_process.Id, signal);

    /// <summary>True when the process exited within <paramref name="within"/>.</summary>
    public async Task<bool> ExitedWithinAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static string Binary(string project, string dll)
    {
        var configuration = AppContext.BaseDirectory.Contains("/Release/") ? "Release" : "Debug";
        var path = Path.Combine(LocalClusterScriptTests.RepositoryRoot(), project, "bin", configuration, "net10.0", dll);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is not built (dotnet build {project} -c {configuration})", path);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
