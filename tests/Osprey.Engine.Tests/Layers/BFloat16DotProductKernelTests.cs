using System.Diagnostics;
using Osprey.Engine.Devices;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Tests.Layers;

/// <summary>A fact that is skipped, with the reason, where gcc 12 (which made the kernel's bytes) is not installed.</summary>
public sealed class RequiresGcc12FactAttribute : FactAttribute
{
    public RequiresGcc12FactAttribute()
    {
        if (BFloat16DotProductKernelTests.GccMajorVersion() != "12")
            Skip = "gcc 12 is not installed (.ci/run installs Debian 12's gcc)";
    }
}

/// <summary>
/// The bfloat16 dot-product kernel: loaded exactly where the CPU has AVX512_BF16; its sums are oneDNN's
/// micro-kernel's to the bit, for one row and for a row among several, so a sequence decoded alone gets
/// what it gets in a batch; and its bytes are what gcc makes of the C source beside it.
/// </summary>
public sealed unsafe class BFloat16DotProductKernelTests
{
    private static readonly string Source = Path.Combine(FixturePaths.RepositoryRoot, "src", "Osprey.Engine", "Layers", "Native", "bfloat16_dot_product_block.c");

    [Fact]
    public void The_kernel_is_loaded_on_a_CPU_with_AVX512_BF16()
    {
        var expected = OperatingSystem.IsLinux() && System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
            && System.Runtime.Intrinsics.X86.Avx512F.IsSupported && File.ReadAllText("/proc/cpuinfo").Contains(" avx512_bf16");
        Assert.Equal(expected, BFloat16DotProductKernel.Available);
        Assert.Equal(expected && CpuFeatures.Current.HasAvx512Bf16, BFloat16DotProductKernel.Available);
    }

    [Theory]
    [InlineData(48)]
    [InlineData(2048)]
    [InlineData(5503)]
    public void Its_sums_are_the_micro_kernels_to_the_bit(int pairs)
    {
        if (!BFloat16DotProductKernel.Available || !LibTorchBrgemm.Available) return;
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(31);
        // A block as PackedBFloat16Weight stores it ([pairs, 32, 2]) and three rows of x.
        var block = torch.randn([pairs * 64L], generator: generator).to(ScalarType.BFloat16).contiguous();
        var x = torch.randn([3, pairs * 2L], generator: generator).mul(4).to(ScalarType.BFloat16).contiguous();
        var w = (ushort*)TensorAddress.Bytes(block);
        var rows = (ushort*)TensorAddress.Bytes(x);
        var alone = new float[32];
        var together = new float[3 * 32];
        var oneByOneDnn = new float[32];
        fixed (float* y = alone, all = together, one = oneByOneDnn)
        {
            BFloat16DotProductKernel.Multiply((uint*)(rows + pairs * 2), pairs, w, y);
            LibTorchBrgemm.Multiply(3, 32, pairs * 2, pairs * 2, 32, 32, false, rows, w, all);
            LibTorchBrgemm.Multiply(1, 32, pairs * 2, pairs * 2, 32, 32, false, rows + pairs * 2, w, one);
            LibTorchBrgemm.Release();
        }
        Assert.Equal(together.AsSpan(32, 32).ToArray(), alone);
        Assert.Equal(oneByOneDnn, alone);
        // And they are the product: float32 sums of the same bfloat16 values.
        var reference = x.narrow(0, 1, 1).to(ScalarType.Float32).matmul(block.view(pairs, 32, 2).permute(0, 2, 1).reshape(pairs * 2, 32).to(ScalarType.Float32));
        var off = torch.tensor(alone).sub(reference.view(32)).abs().max().item<float>();
        Assert.True(off < 1e-3 * Math.Sqrt(pairs), $"off by {off}");
    }

    [RequiresGcc12Fact]
    public void Its_bytes_are_what_gcc_makes_of_the_source()
    {
        var directory = Directory.CreateTempSubdirectory("osprey-kernel-");
        try
        {
            var o = Path.Combine(directory.FullName, "kernel.o");
            var bin = Path.Combine(directory.FullName, "kernel.bin");
            Run("gcc", "-O2", "-mavx512f", "-mavx512bf16", "-fno-asynchronous-unwind-tables", "-fno-stack-protector",
                "-fcf-protection=none", "-c", Source, "-o", o);
            Run("objcopy", "-O", "binary", "-j", ".text", o, bin);
            Assert.Equal(File.ReadAllBytes(bin), BFloat16DotProductKernel.Code.ToArray());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    internal static string? GccMajorVersion()
    {
        try
        {
            return Run("gcc", "-dumpversion").Trim().Split('.')[0];
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return null;
        }
    }

    private static string Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {error}");
        return output;
    }
}
