using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Bench.Engine;

/// <summary>This machine's ceilings: dense matmul throughput through the engine's product, and memory bandwidth as libtorch and a vector loop reach it.</summary>
public sealed record HardwareYardstick(double MatmulGflopsFp32, double MatmulGflopsBf16, double CopyGBps, double SumGBps, int MatmulSize, int MatmulSizeBf16,
    double LinearRow1Ms, double LinearRows8Ms, double TransposedRows8Ms)
{
    /// <summary>The decode-shaped product: x [rows, 4096] · Wᵀ with W [11008, 4096] fp32 (one MLP projection of the 7B model).</summary>
    public const int LinearIn = 4096, LinearOut = 11008;

    /// <summary>One thread per core streaming a 1 GiB buffer with vector loads (<see cref="StreamingRead"/>).</summary>
    public double StreamReadGBps { get; init; }

    /// <summary>
    /// Read bandwidth, what a memory-bound decode step is limited by: the best of a large libtorch sum,
    /// the 1-row linear, which streams its 180 MB weight once (libtorch's GEMV reads faster than its
    /// sum), and the multi-threaded streaming read.
    /// </summary>
    public double ReadGBps => Math.Max(StreamReadGBps, Math.Max(SumGBps, LinearOut * (double)LinearIn * 4 / (LinearRow1Ms / 1000) / 1e9));

    public double MatmulGflops(ScalarType dtype) => dtype == ScalarType.BFloat16 ? MatmulGflopsBf16 : MatmulGflopsFp32;

    /// <summary>Bytes the copy and sum yardsticks read: far past any cache.</summary>
    public const long BandwidthBytes = 512L * 1024 * 1024;

    public static HardwareYardstick Measure(int matmulSize = 2048, long bandwidthBytes = BandwidthBytes, int repeat = 3)
    {
        using var inference = torch.inference_mode();
        var fp32 = Matmul(ScalarType.Float32, matmulSize, repeat);
        var bf16 = Matmul(ScalarType.BFloat16, matmulSize, 2);
        var (copy, sum) = Bandwidth(bandwidthBytes, repeat);
        var (row1, rows8, transposed8) = DecodeShapedLinear(repeat);
        return new HardwareYardstick(fp32, bf16, copy, sum, matmulSize, matmulSize, row1, rows8, transposed8) { StreamReadGBps = StreamingRead.MeasureGBps() };
    }

    private static double Matmul(ScalarType dtype, int n, int repeat)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(1);
        var a = torch.randn([n, n], generator: generator).to(dtype);
        var b = torch.randn([n, n], generator: generator).to(dtype);
        // The engine's product (a·bᵀ; in bf16 widened to fp32 on a CPU without bf16 instructions), the
        // peak the model's encode and prefill can reach; libtorch's own bf16 mm there runs at about 1 GFLOP/s.
        var ms = Timing.Best(repeat, () => { using var c = Linear.Product(a, b, null); });
        return 2.0 * n * n * n / (ms / 1000) / 1e9;
    }

    /// <summary>
    /// What a batched decode step can gain: reading the weights once for 8 rows should cost about
    /// what 1 row costs (both memory-bound), if the BLAS handles small row counts well.
    /// </summary>
    /// <remarks>Also times the same product for 8 rows as (W·xᵀ)ᵀ: a different GEMM shape, which BLAS libraries may serve by another kernel.</remarks>
    private static (double Row1, double Rows8, double Transposed8) DecodeShapedLinear(int repeat)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator(2);
        var weight = torch.randn([LinearOut, LinearIn], generator: generator);
        double Time(int rows)
        {
            var x = torch.randn([rows, LinearIn], generator: generator);
            return Timing.Best(repeat, () => { using var y = nn.functional.linear(x, weight); });
        }
        var rows = torch.randn([8, LinearIn], generator: generator);
        var transposed = Timing.Best(repeat, () => { using var y = weight.matmul(rows.t()); });
        return (Time(1), Time(8), transposed);
    }

    private static (double Copy, double Sum) Bandwidth(long bytes, int repeat)
    {
        using var scope = torch.NewDisposeScope();
        var source = torch.ones(bytes / 4, dtype: ScalarType.Float32);
        var target = torch.empty_like(source);
        var copyMs = Timing.Best(repeat, () => target.copy_(source));
        // A copy reads and writes every byte.
        return (2.0 * bytes / (copyMs / 1000) / 1e9, SumRate(source, repeat));
    }

    /// <summary>The read yardstick: libtorch's sum of <paramref name="source"/> (float32, in memory), the best of <paramref name="repeat"/>, in GB/s.</summary>
    public static double SumRate(Tensor source, int repeat)
    {
        var sumMs = Timing.Best(repeat, () => { using var s = source.sum(); });
        return source.NumberOfElements * source.ElementSize / (sumMs / 1000) / 1e9;
    }
}
