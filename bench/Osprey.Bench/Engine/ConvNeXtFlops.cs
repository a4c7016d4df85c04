using Osprey.Engine.Config;

namespace Osprey.Bench.Engine;

/// <summary>
/// Analytic FLOPs (2 per multiply-add) of encoding one image: the ConvNeXt trunk's convolutions and
/// MLPs plus the projector. Norms, GELU and residual adds are left out (under 1% here).
/// </summary>
public static class ConvNeXtFlops
{
    public static double EncodeImage(OspreyConfig config)
    {
        var vision = config.Vision;
        double macs = 0;
        long side = config.ImageSize / 4;
        macs += side * side * vision.Dims[0] * 3.0 * 4 * 4; // stem: 4×4 stride-4 conv
        for (var s = 0; s < 4; s++)
        {
            long d = vision.Dims[s];
            if (s > 0)
            {
                side /= 2;
                macs += side * side * d * vision.Dims[s - 1] * 2.0 * 2; // 2×2 stride-2 downsample
            }
            // Each block: depthwise 7×7, then C→4C→C.
            macs += vision.Depths[s] * (side * side * d * (49.0 + 8.0 * d));
        }
        long tokens = (config.ImageSize / 16) * (config.ImageSize / 16);
        long hidden = config.Language.HiddenSize;
        macs += tokens * (config.MmHiddenSize * (double)hidden + hidden * (double)hidden); // mlp2x_gelu projector
        return 2 * macs;
    }
}
