using System.Diagnostics;
using System.Text.Json;

namespace Osprey.Cli.Bench;

/// <summary>
/// Runs <c>bench/pytorch_eager.py</c> as a child process on a bench model directory: the same
/// weights and shapes through eager PyTorch, which is how the official Osprey code runs.
/// </summary>
public sealed class PyTorchEagerRun(string python, string script)
{
    public const string ScriptRelativePath = "bench/pytorch_eager.py";

    public string Python => python;

    /// <summary>The interpreter when it exists and imports torch; otherwise null and why not.</summary>
    public static (PyTorchEagerRun? Run, string? Reason) Locate(string python, string? script)
    {
        script ??= FindScript();
        if (script is null || !File.Exists(script)) return (null, $"{ScriptRelativePath} not found (pass --pytorch-script)");
        if (!File.Exists(python)) return (null, $"{python} not found");
        var (exit, output) = RunProcess(python, ["-c", "import torch, numpy; print(torch.__version__)"], TimeSpan.FromSeconds(60));
        return exit == 0
            ? (new PyTorchEagerRun(python, script), null)
            : (null, $"{python} cannot import torch and numpy (install python3-torch): {output.Trim()}");
    }

    public PyTorchResult Run(string modelDirectory, string dtype, string phases, int prefillTokens, int decodeSteps, int repeat, TimeSpan timeout)
    {
        string[] arguments =
        [
            script, "--model-dir", modelDirectory, "--dtype", dtype, "--phases", phases,
            "--prefill", prefillTokens.ToString(), "--decode-steps", decodeSteps.ToString(), "--repeat", repeat.ToString(),
        ];
        var (exit, output) = RunProcess(python, arguments, timeout);
        if (exit != 0) throw new InvalidOperationException($"pytorch_eager.py ({dtype}) failed with exit code {exit}: {Tail(output)}");
        var json = output.Split('\n').LastOrDefault(l => l.TrimStart().StartsWith('{'))
            ?? throw new InvalidOperationException($"pytorch_eager.py ({dtype}) printed no result: {Tail(output)}");
        return JsonSerializer.Deserialize<PyTorchResult>(json) ?? throw new InvalidOperationException("empty result from pytorch_eager.py");
    }

    private static string Tail(string text) => text.Length > 2000 ? text[^2000..] : text;

    /// <summary>The script in the repository checkout the program runs from.</summary>
    private static string? FindScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, ScriptRelativePath);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }

    /// <summary>Exit code (-1 on timeout, after killing the child) and stdout followed by stderr.</summary>
    private static (int Exit, string Output) RunProcess(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"timed out after {timeout.TotalSeconds:F0} s\n{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
