namespace Osprey.Cli.Tests;

/// <summary>
/// Training with pinned kernels gives the same weights on another kind of CPU: two steps of
/// <c>osprey train</c> here and under QEMU's user-mode emulation of another CPU (AVX2 and no AVX-512,
/// another family and cache layout, so MKL, oneDNN and libtorch take other paths), compared byte for
/// byte. Portable kernels are compared on a CPU of the other vendor (an Intel Haswell on an AMD machine,
/// an AMD EPYC-Rome on an Intel one), where the same run with native kernels must differ, or the emulator
/// did not show another kind of CPU; AVX2 kernels on one of the same vendor and another family (an AMD
/// EPYC-Rome, Zen 2, on an AMD machine; an Intel Skylake client on an Intel one).
/// </summary>
public sealed class PinnedKernelsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("osprey-kernels-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static readonly string? Qemu = new[] { "/usr/bin/qemu-x86_64", "/usr/bin/qemu-x86_64-static" }.FirstOrDefault(File.Exists);

    private static readonly bool OnIntel =
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("vendor_id", StringComparison.Ordinal))?.Contains("GenuineIntel") == true;

    private static readonly string OtherVendor = OnIntel ? "EPYC-Rome" : "Haswell";

    // This machine's family must not be the emulated one: EPYC-Rome is Zen 2 (family 23), the AMD
    // machines that train are Zen 3 and later.
    private static readonly string SameVendor = OnIntel ? "Skylake-Client" : "EPYC-Rome";

    [RequiresQemuFact]
    public async Task Portable_kernels_train_the_same_weights_on_an_emulated_cpu_of_the_other_vendor_and_native_ones_do_not()
    {
        var portableHere = await Train("portable", emulated: null);
        var portableThere = await Train("portable", emulated: OtherVendor);
        var nativeHere = await Train("native", emulated: null);
        var nativeThere = await Train("native", emulated: OtherVendor);

        Assert.Equal(portableHere, portableThere);
        Assert.NotEqual(nativeHere, nativeThere);
    }

    [RequiresQemuFact]
    public async Task Avx2_kernels_train_the_same_weights_on_an_emulated_cpu_of_the_same_vendor_and_another_family()
    {
        var here = await Train("avx2", emulated: null);
        var there = await Train("avx2", emulated: SameVendor);

        Assert.Equal(here, there);
        Assert.NotEqual(await Train("portable", emulated: null), here);
    }

    /// <param name="emulated">The CPU QEMU shows, or null to train here.</param>
    private async Task<string> Train(string kernels, string? emulated)
    {
        // QEMU's user mode now and then dies of a signal in .NET's runtime (not in training): such a run
        // says nothing about the weights, so it is run again, at most twice.
        for (var attempt = 1; ; attempt++)
        {
            var output = Path.Combine(_dir, $"{kernels}-{emulated ?? "here"}");
            var run = emulated is not null
                ? await TinyTrainingRun.Run(output, kernels, EmulatedRuntime, (Qemu!, emulated))
                : await TinyTrainingRun.Run(output, kernels);
            if (run.WeightsSha256 is { } hash) return hash;
            var emulatorDied = emulated is not null && run.Log.Contains("uncaught target signal", StringComparison.Ordinal);
            Assert.True(emulatorDied && attempt < 3,
                $"osprey train ({kernels} kernels{(emulated is not null ? $", emulated {emulated}" : "")}) exited {run.ExitCode} (attempt {attempt}):\n{run.Log}");
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
        if (PinnedKernelsTests.Qemu is null) Skip = "qemu-user is not installed (.ci/run installs Debian's qemu-user)";
        else if (!System.Runtime.Intrinsics.X86.Avx2.IsSupported) Skip = "pinned kernels need a CPU with AVX2";
    }
}
