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
            var output = Path.Combine(_dir, $"{kernels}-{(emulated ? "emulated" : "here")}");
            var run = emulated
                ? await TinyTrainingRun.Run(output, kernels, EmulatedRuntime, (Qemu!, EmulatedCpu))
                : await TinyTrainingRun.Run(output, kernels);
            if (run.WeightsSha256 is { } hash) return hash;
            var emulatorDied = emulated && run.Log.Contains("uncaught target signal", StringComparison.Ordinal);
            Assert.True(emulatorDied && attempt < 3,
                $"osprey train ({kernels} kernels{(emulated ? $", emulated {EmulatedCpu}" : "")}) exited {run.ExitCode} (attempt {attempt}):\n{run.Log}");
        }
    }

    /// <summary>
    /// The emulator runs .NET only with these: no tiered recompilation or W^X remapping of code, and few
    /// enough collections that its thread suspensions (signals QEMU handles poorly) stay rare.
    /// </summary>
    private static readonly Dictionary<string, string?> EmulatedRuntime = new()
    {
        ["DOTNET_TieredCompilation"] = "0",
        ["DOTNET_EnableWriteXorExecute"] = "0",
        ["DOTNET_GCgen0size"] = "0x20000000",
        ["DOTNET_INTERNAL_ThreadSuspendInjection"] = "0",
    };
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
