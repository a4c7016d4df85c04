using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Osprey.Bench.Engine;

/// <summary>
/// Read bandwidth as a decode step needs it: one thread per core, each summing its slice of a buffer
/// far larger than the caches with the widest vector loads the CPU has. A single-threaded libtorch sum
/// leaves bandwidth unused on machines where one core cannot saturate the memory system.
/// </summary>
public static class StreamingRead
{
    /// <summary>Where the sums go, so the JIT cannot drop the loads.</summary>
    private static float _observed;

    /// <summary>Best GB/s over <paramref name="repeat"/> passes over <paramref name="bytes"/> bytes.</summary>
    public static double MeasureGBps(long bytes = 1L << 30, int repeat = 5, int? threads = null)
    {
        var workers = Math.Max(1, threads ?? Environment.ProcessorCount);
        var slice = (int)(bytes / sizeof(float) / workers / 64 * 64);
        // Filled once, so the timed passes read memory rather than fault pages in.
        var buffer = GC.AllocateUninitializedArray<float>(slice * workers, pinned: true);
        buffer.AsSpan().Fill(1f);
        var best = double.MaxValue;
        for (var pass = 0; pass < repeat; pass++)
        {
            var sums = new float[workers];
            var watch = Stopwatch.StartNew();
            Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers },
                w => sums[w] = Sum(buffer.AsSpan(w * slice, slice)));
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
            _observed += sums.Sum();
        }
        return (double)slice * workers * sizeof(float) / best / 1e9;
    }

    /// <summary>Four independent accumulators, so the loads are not serialised behind one chain of adds.</summary>
    private static float Sum(ReadOnlySpan<float> values)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            var v = MemoryMarshal.Cast<float, Vector512<float>>(values);
            Vector512<float> a = default, b = default, c = default, d = default;
            for (var i = 0; i + 3 < v.Length; i += 4) (a, b, c, d) = (a + v[i], b + v[i + 1], c + v[i + 2], d + v[i + 3]);
            return Vector512.Sum(a + b + c + d);
        }
        var u = MemoryMarshal.Cast<float, Vector256<float>>(values);
        Vector256<float> e = default, f = default, g = default, h = default;
        for (var i = 0; i + 3 < u.Length; i += 4) (e, f, g, h) = (e + u[i], f + u[i + 1], g + u[i + 2], h + u[i + 3]);
        return Vector256.Sum(e + f + g + h);
    }
}
