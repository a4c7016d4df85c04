using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Cli.Bench;

/// <summary>This machine's ceilings as libtorch reaches them: dense matmul throughput and memory bandwidth.</summary>
public sealed record HardwareYardstick(double MatmulGflopsFp32, double MatmulGflopsBf16, double CopyGBps, double SumGBps, int MatmulSize, int MatmulSizeBf16)
{
    /// <summary>Read bandwidth (a large sum): what a memory-bound decode step is limited by.</summary>
    public double ReadGBps => SumGBps;

    public double MatmulGflops(ScalarType dtype) => dtype == ScalarType.BFloat16 ? MatmulGflopsBf16 : MatmulGflopsFp32;

    public static HardwareYardstick Measure(int matmulSize = 2048, long bandwidthBytes = 512L * 1024 * 1024, int repeat = 3)
    {
        using var inference = torch.inference_mode();
        var fp32 = Matmul(ScalarType.Float32, matmulSize, repeat);
        // Without AVX-512 (BF16) libtorch multiplies bf16 matrices on a slow path; a smaller size keeps this bounded.
        var bf16Size = Math.Min(matmulSize, 512);
        var bf16 = Matmul(ScalarType.BFloat16, bf16Size, 2);
        var (copy, sum) = Bandwidth(bandwidthBytes, repeat);
        return new HardwareYardstick(fp32, bf16, copy, sum, matmulSize, bf16Size);
    }

    private static double Matmul(ScalarType dtype, int n, int repeat)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(1);
        var a = torch.randn([n, n], generator: generator).to(dtype);
        var b = torch.randn([n, n], generator: generator).to(dtype);
        var ms = Timing.Best(repeat, () => { using var c = a.mm(b); });
        return 2.0 * n * n * n / (ms / 1000) / 1e9;
    }

    private static (double Copy, double Sum) Bandwidth(long bytes, int repeat)
    {
        using var scope = torch.NewDisposeScope();
        var source = torch.ones(bytes / 4, dtype: ScalarType.Float32);
        var target = torch.empty_like(source);
        var copyMs = Timing.Best(repeat, () => target.copy_(source));
        var sumMs = Timing.Best(repeat, () => { using var s = source.sum(); });
        // A copy reads and writes every byte.
        return (2.0 * bytes / (copyMs / 1000) / 1e9, bytes / (sumMs / 1000) / 1e9);
    }
}
