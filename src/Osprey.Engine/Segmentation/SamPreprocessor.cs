using Osprey.Engine.Imaging;
using static TorchSharp.torch;

namespace Osprey.Engine.Segmentation;

/// <summary>
/// The predictor's image pipeline: long side to the encoder size with Pillow's bilinear resize of the
/// uint8 image, (x − mean) / std per channel in float32, zero padding at the bottom and right to S×S.
/// </summary>
public sealed class SamPreprocessor
{
    private readonly int _size;
    private readonly float[][] _levels;

    public SamPreprocessor(SamConfig config)
    {
        _size = config.ImageSize;
        // 256 possible inputs per channel, each normalised with the reference's float32 arithmetic.
        _levels = new float[3][];
        for (var c = 0; c < 3; c++)
        {
            _levels[c] = new float[256];
            for (var v = 0; v < 256; v++) _levels[c][v] = (v - config.PixelMean[c]) / config.PixelStd[c];
        }
    }

    public LongestSideResize Geometry(RgbImage image) => LongestSideResize.For(image.Height, image.Width, _size);

    /// <summary>The uint8 image the encoder input is made of.</summary>
    public RgbImage Resize(RgbImage image)
    {
        var g = Geometry(image);
        return PilResize.Resize(image, g.InputWidth, g.InputHeight, PilFilter.Bilinear);
    }

    /// <summary>The encoder input [1, 3, S, S], float32 on the CPU.</summary>
    public Tensor Preprocess(RgbImage image)
    {
        var resized = Resize(image);
        int w = resized.Width, h = resized.Height, plane = _size * _size;
        var chw = new float[3 * plane];
        var px = resized.Pixels;
        for (var y = 0; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            var s = 3 * (y * w + x);
            var d = y * _size + x;
            chw[d] = _levels[0][px[s]];
            chw[plane + d] = _levels[1][px[s + 1]];
            chw[2 * plane + d] = _levels[2][px[s + 2]];
        }
        return tensor(chw, [1, 3, _size, _size], ScalarType.Float32);
    }
}
