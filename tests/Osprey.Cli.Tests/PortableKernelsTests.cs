using System.Diagnostics;
using System.Security.Cryptography;
using Osprey.Cli.Commands;

namespace Osprey.Cli.Tests;

/// <summary>
/// Training with portable kernels gives the same weights on another kind of CPU: two steps of
/// <c>osprey train</c> here and under QEMU's user-mode emulation of a CPU of the other vendor (an Intel
/// Haswell on an AMD machine, an AMD EPYC-Rome on an Intel one: AVX2 and no AVX-512, another family and
/// cache layout, so MKL, oneDNN and libtorch take other paths), compared byte for byte. The same run with
/// native kernels must differ there, or the emulator did not show another kind of CPU.
/// </summary>
public sealed class PortableKernelsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-kernels-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static readonly string? Qemu = new[] { "/usr/bin/qemu-x86_64", "/usr/bin/qemu-x86_64-static" }.FirstOrDefault(File.Exists);

    private static readonly string EmulatedCpu =
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("vendor_id", StringComparison.Ordinal))?.Contains("GenuineIntel") == true
            ? "EPYC-Rome" : "Haswell";

    [RequiresQemuFact]
    public async Task Portable_kernels_train_the_same_weights_on_an_emulated_cpu_of_the_other_vendor_and_native_ones_do_not()
    {
        var portableHere = await Train("portable", emulated: false);
        var portableThere = await Train("portable", emulated: true);
        var nativeHere = await Train("native", emulated: false);
        var nativeThere = await Train("native", emulated: true);

        Assert.Equal(portableHere, portableThere);
        Assert.NotEqual(nativeHere, nativeThere);
    }

    private async Task<string> Train(string kernels, bool emulated)
    {
        // QEMU's user mode now and then dies of a signal in .NET's runtime (not in training): such a run
        // says nothing about the weights, so it is run again, at most twice.
        for (var attempt = 1; ; attempt++)
        {
            var (exitCode, weights, log) = await TrainOnce(kernels, emulated);
            if (exitCode == 0 && File.Exists(weights)) return Convert.ToHexString(SHA256.HashData(await File.ReadAllBytesAsync(weights)));
            var emulatorDied = emulated && log.Contains("uncaught target signal", StringComparison.Ordinal);
            Assert.True(emulatorDied && attempt < 3,
                $"osprey train ({kernels} kernels{(emulated ? $", emulated {EmulatedCpu}" : "")}) exited {exitCode} (attempt {attempt}):\n{log}");
        }
    }

    private async Task<(int ExitCode, string Weights, string Log)> TrainOnce(string kernels, bool emulated)
    {
        var output = Path.Combine(_dir, $"{kernels}-{(emulated ? "emulated" : "here")}");
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        string[] train =
        [
            typeof(TrainCommand).Assembly.Location, "train", "--init-from", FixturePaths.OspreyTiny, "--synthetic", "64",
            "--synthetic-layout", "conversations", "--seed", "5", "--steps", "2", "--batch-size", "4", "--lr", "2e-3", "--warmup", "1",
            "--workers", "2", "--threads", "1", "--log-every", "1", "--kernels", kernels, "--out", output,
        ];
        var start = emulated ? new ProcessStartInfo(Qemu!) { ArgumentList = { "-cpu", EmulatedCpu, DotnetHost.Value } } : new ProcessStartInfo(DotnetHost.Value);
        foreach (var argument in train) start.ArgumentList.Add(argument);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        if (emulated)
        {
            // The emulator runs .NET only with these: no tiered recompilation or W^X remapping of code, and
            // few enough collections that its thread suspensions (signals QEMU handles poorly) stay rare.
            start.Environment["DOTNET_TieredCompilation"] = "0";
            start.Environment["DOTNET_EnableWriteXorExecute"] = "0";
            start.Environment["DOTNET_GCgen0size"] = "0x20000000";
            start.Environment["DOTNET_INTERNAL_ThreadSuspendInjection"] = "0";
        }
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
        return (process.ExitCode, Path.Combine(output, "model.safetensors"), $"{await stdout}\n{await stderr}");
    }

    // The emulator needs the host's full path; the test host's own is it when the tests run under dotnet.
    private static readonly Lazy<string> DotnetHost = new(() =>
        Environment.ProcessPath is { } host && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host
        : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Select(dir => Path.Combine(dir, "dotnet")).FirstOrDefault(File.Exists)
          ?? throw new FileNotFoundException("dotnet is not on PATH"));
}

/// <summary>A fact that is skipped, with the reason, where QEMU's user-mode x86-64 emulator or AVX2 is missing.</summary>
public sealed class RequiresQemuFactAttribute : FactAttribute
{
    public RequiresQemuFactAttribute()
    {
        if (PortableKernelsTests.Qemu is null) Skip = "qemu-user is not installed (.ci/run installs Debian's qemu-user)";
        else if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported) Skip = "portable kernels need a CPU with AVX2";
    }
}
