
namespace Osprey.Bench.Peers;

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
        script ??= PeerScript.Find(ScriptRelativePath);
        if (script is null || !File.Exists(script)) return (null, $"{ScriptRelativePath} not found (pass --pytorch-script)");
        if (!File.Exists(python)) return (null, $"{python} not found");
        var (exit, output) = PeerScript.Run(python, ["-c", "import torch, numpy; print(torch.__version__)"], TimeSpan.FromSeconds(60));
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
        return PeerScript.RunForResult<PyTorchResult>(python, arguments, timeout, $"pytorch_eager.py ({dtype})");
    }
}
