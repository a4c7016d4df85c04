using System.Diagnostics;
using System.Security.Cryptography;
using Osprey.Cli.Commands;

namespace Osprey.Cli.Tests;

/// <summary>
/// Two steps of <c>osprey train</c> from <c>osprey-tiny</c> (two replicas of one thread) in a child
/// process, as a user runs it: settings libtorch reads once, when it loads, can only be compared across
/// processes. Optionally under QEMU's user-mode emulation of another CPU.
/// </summary>
internal static class TinyTrainingRun
{
    public sealed record Outcome(int ExitCode, string? WeightsSha256, string Log);

    /// <param name="environment">Variables set in the child (null values removed from it).</param>
    /// <param name="emulator">QEMU's path and the CPU it shows; null: run here.</param>
    public static async Task<Outcome> Run(string output, string kernels, IReadOnlyDictionary<string, string?>? environment = null,
        (string Qemu, string Cpu)? emulator = null)
    {
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        string[] train =
        [
            typeof(TrainCommand).Assembly.Location, "train", "--init-from", FixturePaths.OspreyTiny, "--synthetic", "64",
            "--synthetic-layout", "conversations", "--seed", "5", "--steps", "2", "--batch-size", "4", "--lr", "2e-3", "--warmup", "1",
            "--workers", "2", "--threads", "1", "--log-every", "1", "--kernels", kernels, "--out", output,
        ];
        var start = emulator is { } e ? new ProcessStartInfo(e.Qemu) { ArgumentList = { "-cpu", e.Cpu, DotnetHost.Value } } : new ProcessStartInfo(DotnetHost.Value);
        foreach (var argument in train) start.ArgumentList.Add(argument);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // A hung run must not outlive the test (under the emulator it holds a core).
            process.Kill(entireProcessTree: true);
            throw;
        }
        var weights = Path.Combine(output, "model.safetensors");
        var hash = process.ExitCode == 0 && File.Exists(weights) ? Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(weights))) : null;
        return new Outcome(process.ExitCode, hash, $"{await stdout}\n{await stderr}");
    }

    // The emulator needs the host's full path; the test host's own is it when the tests run under dotnet.
    private static readonly Lazy<string> DotnetHost = new(() =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, "dotnet")).FirstOrDefault(File.Exists)
          ?? throw new FileNotFoundException("dotnet is not on PATH"));
}
