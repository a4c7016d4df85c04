using System.Buffers;
using System.Runtime.CompilerServices;

namespace Osprey.Engine.Imaging;

/// <summary>
/// Pillow's <c>Image.resize(size, filter)</c> on 8-bit RGB, bit for bit (Pillow 9.x
/// <c>libImaging/Resample.c</c> semantics): the filter's support (2 for bicubic with a = −0.5, 1 for
/// the bilinear triangle) widened by max(in/out, 1) (antialiased when shrinking), weights normalised
/// then quantised to 22 fractional bits, horizontal pass first with the intermediate rounded and
/// clamped to uint8, an unchanged axis skipped. Exactness matters: the models see every level of
/// difference in their inputs.
/// </summary>
public static class PilResize
{
    private const int PrecisionBits = 32 - 8 - 2;

    public static RgbImage Resize(RgbImage source, int width, int height, PilFilter filter)
    {
        ArgumentNullException.ThrowIfNull(source);
        RequirePositive(width, height);
        var pixels = new byte[(long)width * height * 3];
        ResizeInto(source, width, height, filter, pixels);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// The same resize into <paramref name="destination"/> (at least width·height·3 bytes), for a caller that
    /// reuses its buffer: a fresh megabyte array is fresh memory the first pass must fault in page by page,
    /// which took as long as the resize itself.
    /// </summary>
    public static void ResizeInto(RgbImage source, int width, int height, PilFilter filter, Span<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        RequirePositive(width, height);
        var length = width * height * 3;
        if (destination.Length < length)
            throw new ArgumentException($"a {width}x{height} RGB image needs {length} bytes, the destination has {destination.Length}", nameof(destination));
        var output = destination[..length];
        if (width == source.Width && height == source.Height)
        {
            source.Pixels.CopyTo(output);
            return;
        }
        if (height == source.Height)
        {
            Horizontal(source.Pixels, source.Width, source.Height, output, width, filter);
            return;
        }
        if (width == source.Width)
        {
            Vertical(source.Pixels, source.Width, source.Height, output, height, filter);
            return;
        }
        var between = ArrayPool<byte>.Shared.Rent(width * source.Height * 3);
        try
        {
            Horizontal(source.Pixels, source.Width, source.Height, between, width, filter);
            Vertical(between, width, source.Height, output, height, filter);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(between);
        }
    }

    private static void RequirePositive(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"target size must be positive, got {width}x{height}");
    }

    // Both passes compiled optimised from the first call: a server resizes each image once, so its
    // resizes would otherwise run the unoptimised tier (1.5–4× slower, while decode steps wait for the slice).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Horizontal(ReadOnlySpan<byte> src, int inW, int h, Span<byte> dst, int outWidth, PilFilter filter)
    {
        var (bounds, weights, kernelSize) = Coefficients(inW, outWidth, filter);
        for (var y = 0; y < h; y++)
        {
            var row = y * inW * 3;
            for (var x = 0; x < outWidth; x++)
            {
                int xmin = bounds[2 * x], count = bounds[2 * x + 1], k = x * kernelSize;
                int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                for (var i = 0; i < count; i++)
                {
                    var p = row + (xmin + i) * 3;
                    var wgt = weights[k + i];
                    s0 += src[p] * wgt;
                    s1 += src[p + 1] * wgt;
                    s2 += src[p + 2] * wgt;
                }
                var o = (y * outWidth + x) * 3;
                dst[o] = Clip8(s0);
                dst[o + 1] = Clip8(s1);
                dst[o + 2] = Clip8(s2);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Vertical(ReadOnlySpan<byte> src, int w, int inH, Span<byte> dst, int outHeight, PilFilter filter)
    {
        var (bounds, weights, kernelSize) = Coefficients(inH, outHeight, filter);
        var stride = w * 3;
        for (var y = 0; y < outHeight; y++)
        {
            int ymin = bounds[2 * y], count = bounds[2 * y + 1], k = y * kernelSize;
            for (var c = 0; c < stride; c++)
            {
                var s = 1 << (PrecisionBits - 1);
                for (var i = 0; i < count; i++)
                    s += src[(ymin + i) * stride + c] * weights[k + i];
                dst[y * stride + c] = Clip8(s);
            }
        }
    }

    private static byte Clip8(int accumulator)
    {
        if (accumulator >= (1 << PrecisionBits << 8)) return 255;
        if (accumulator <= 0) return 0;
        return (byte)(accumulator >> PrecisionBits);
    }

    /// <summary>Per output sample: first input index, tap count, and fixed-point weights (Pillow's precompute_coeffs).</summary>
    private static (int[] Bounds, int[] Weights, int KernelSize) Coefficients(int inSize, int outSize, PilFilter filter)
    {
        var scale = (double)inSize / outSize;
        var filterScale = Math.Max(scale, 1.0);
        var support = Support(filter) * filterScale;
        var kernelSize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var weights = new int[outSize * kernelSize];
        var taps = new double[kernelSize];
        for (var xx = 0; xx < outSize; xx++)
        {
            var center = (xx + 0.5) * scale;
            var invScale = 1.0 / filterScale;
            var xmin = Math.Max((int)(center - support + 0.5), 0);
            var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
            var sum = 0.0;
            for (var x = 0; x < xmax; x++)
            {
                var w = Kernel(filter, (x + xmin - center + 0.5) * invScale);
                taps[x] = w;
                sum += w;
            }
            for (var x = 0; x < xmax; x++)
            {
                var normalised = sum != 0.0 ? taps[x] / sum : taps[x];
                weights[xx * kernelSize + x] = normalised < 0
                    ? (int)(-0.5 + normalised * (1 << PrecisionBits))
                    : (int)(0.5 + normalised * (1 << PrecisionBits));
            }
            bounds[2 * xx] = xmin;
            bounds[2 * xx + 1] = xmax;
        }
        return (bounds, weights, kernelSize);
    }

    private static double Support(PilFilter filter) => filter switch
    {
        PilFilter.Bilinear => 1.0,
        PilFilter.Bicubic => 2.0,
        _ => throw new ArgumentOutOfRangeException(nameof(filter), filter, "unknown filter"),
    };

    private static double Kernel(PilFilter filter, double x) => filter == PilFilter.Bilinear ? Triangle(x) : Cubic(x);

    private static double Triangle(double x)
    {
        if (x < 0.0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Cubic(double x)
    {
        const double a = -0.5;
        if (x < 0.0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }
}
