using System.Buffers;
using System.Runtime.CompilerServices;
using Osprey.Engine.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Osprey.Engine.Imaging;

/// <summary>
/// The CLIP image processor as the Osprey demo applies it (model spec §2): shortest edge to S with
/// PIL bicubic (long edge truncated), uint8 → /255 → CLIP mean/std, then a bilinear resize
/// (align_corners = false, no antialias) to S×S. No centre crop, so non-square images are squashed.
/// </summary>
public sealed class ClipPreprocessor
{
    private static readonly double[] Mean = [0.48145466, 0.4578275, 0.40821073];
    private static readonly double[] Std = [0.26862954, 0.26130258, 0.27577711];

    /// <summary>Output side S (config <c>image_size</c>, 512 for Osprey).</summary>
    public int ImageSize { get; }

    private readonly float[][] _normalisedLevels;

    public ClipPreprocessor(int imageSize = 512)
    {
        if (imageSize <= 0) throw new ArgumentOutOfRangeException(nameof(imageSize), $"image size must be positive, got {imageSize}");
        ImageSize = imageSize;
        // Each channel has only 256 possible inputs: precompute (v/255 - mean)/std in the float32
        // arithmetic the reference uses (rescale in float64, cast, then normalise in float32).
        _normalisedLevels = new float[3][];
        for (var c = 0; c < 3; c++)
        {
            var levels = new float[256];
            float mean = (float)Mean[c], std = (float)Std[c];
            for (var v = 0; v < 256; v++) levels[v] = ((float)(v * (1.0 / 255.0)) - mean) / std;
            _normalisedLevels[c] = levels;
        }
    }

    /// <summary>Size after the shortest-edge resize: short → S, long → int(S·long/short).</summary>
    public static (int Width, int Height) ShortestEdgeSize(int width, int height, int size)
    {
        var shortEdge = Math.Min(width, height);
        var longEdge = Math.Max(width, height);
        var newLong = (int)((double)((long)size * longEdge) / shortEdge);
        return width <= height ? (size, newLong) : (newLong, size);
    }

    /// <summary>Step 2: the uint8 image after PIL bicubic shortest-edge resizing.</summary>
    public RgbImage ResizeShortestEdge(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (w, h) = ShortestEdgeSize(image.Width, image.Height, ImageSize);
        return w == image.Width && h == image.Height ? image : PilResize.Resize(image, w, h, PilFilter.Bicubic);
    }

    /// <summary>The model input: float32 [1, 3, S, S] on the CPU.</summary>
    public Tensor Preprocess(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (w, h) = ShortestEdgeSize(image.Width, image.Height, ImageSize);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var normalised = empty([1, 3, h, w], ScalarType.Float32);
        // The resized pixels are read once, here: a pooled buffer, not a fresh array whose pages the resize would fault in.
        var resized = ArrayPool<byte>.Shared.Rent(w * h * 3);
        try
        {
            PilResize.ResizeInto(image, w, h, PilFilter.Bicubic, resized);
            Normalise(resized, w * h, normalised);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(resized);
        }
        var result = h == ImageSize && w == ImageSize
            ? normalised
            : nn.functional.interpolate(normalised, size: [ImageSize, ImageSize],
                mode: InterpolationMode.Bilinear, align_corners: false, antialias: false);
        return scope.MoveToOuter(result.contiguous());
    }

    /// <summary>Writes the first <paramref name="plane"/> pixels of <paramref name="pixels"/> (HWC), normalised, into <paramref name="chw"/>'s three planes.</summary>
    // Optimised from the first call, as the resize: each image is preprocessed once.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void Normalise(byte[] pixels, int plane, Tensor chw)
    {
        var output = new Span<float>(TensorAddress.Of(chw), 3 * plane);
        float[] red = _normalisedLevels[0], green = _normalisedLevels[1], blue = _normalisedLevels[2];
        for (var i = 0; i < plane; i++)
        {
            output[i] = red[pixels[3 * i]];
            output[plane + i] = green[pixels[3 * i + 1]];
            output[2 * plane + i] = blue[pixels[3 * i + 2]];
        }
    }
}
