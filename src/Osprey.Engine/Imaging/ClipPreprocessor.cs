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
        var resized = ResizeShortestEdge(image);
        int w = resized.Width, h = resized.Height, plane = w * h;
        var chw = new float[3 * plane];
        var px = resized.Pixels;
        for (var i = 0; i < plane; i++)
        {
            chw[i] = _normalisedLevels[0][px[3 * i]];
            chw[plane + i] = _normalisedLevels[1][px[3 * i + 1]];
            chw[2 * plane + i] = _normalisedLevels[2][px[3 * i + 2]];
        }

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var normalised = tensor(chw, [1, 3, h, w], ScalarType.Float32);
        var result = h == ImageSize && w == ImageSize
            ? normalised
            : nn.functional.interpolate(normalised, size: [ImageSize, ImageSize],
                mode: InterpolationMode.Bilinear, align_corners: false, antialias: false);
        return scope.MoveToOuter(result.contiguous());
    }
}
