namespace Osprey.Training.Synthetic;

/// <summary>
/// Textured, noisy, low-saturation grey backgrounds (noise, stripes, checks, gradients). Greys stay in
/// a mid range so white and black objects, like the saturated palette colours, stand out unambiguously.
/// </summary>
public static class BackgroundTexture
{
    public static void Paint(byte[] pixels, int width, int height, SeededRandom rng)
    {
        int kind = rng.Next(4);
        double g1 = rng.Uniform(85, 165);
        double g2 = Math.Clamp(g1 + (rng.Chance(0.5) ? 1 : -1) * rng.Uniform(20, 45), 80, 170);
        int period = rng.Next(6, 17);
        int orientation = rng.Next(3);
        double noise = rng.Uniform(4, 16);
        Span<double> tint = [rng.Uniform(-8, 8), rng.Uniform(-8, 8), rng.Uniform(-8, 8)];

        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            double grey = kind switch
            {
                0 => g1,
                1 => ((orientation == 0 ? y : orientation == 1 ? x : x + y) / period) % 2 == 0 ? g1 : g2,
                2 => ((x / period) + (y / period)) % 2 == 0 ? g1 : g2,
                _ => g1 + (g2 - g1) * (orientation == 0 ? (double)y / height : (double)x / width),
            };
            grey += rng.Uniform(-noise, noise);
            int offset = (y * width + x) * 3;
            for (int c = 0; c < 3; c++)
                pixels[offset + c] = (byte)Math.Clamp(Math.Round(grey + tint[c]), 0, 255);
        }
    }
}
