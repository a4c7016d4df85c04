using Osprey.Engine.Segmentation;
using Osprey.Training.Synthetic;

namespace Osprey.Training.Segmentation;

/// <summary>
/// Prompts drawn from a scene's ground truth, in pixel coordinates (a point is a pixel's column and
/// row, as the predictor takes them; a box spans pixel edges, x1 = last column + 1).
/// </summary>
public static class SceneClicks
{
    /// <summary>A pixel of the visible mask, uniformly.</summary>
    public static SamPoint Inside(byte[] mask, int width, SeededRandom rng)
    {
        var count = 0;
        foreach (var b in mask) count += b;
        if (count == 0) throw new ArgumentException("the mask is empty");
        var pick = rng.Next(count);
        for (var k = 0; k < mask.Length; k++)
            if (mask[k] != 0 && pick-- == 0) return new SamPoint(k % width, k / width, 1);
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>
    /// The pixel of the mask farthest from every pixel outside it, the image's border counting as
    /// outside (the maximum of the mask's interior Euclidean distance transform, the first in raster
    /// order on a tie): where the Segment Anything paper puts its single-click evaluation's point, as
    /// a person clicks "inside" an object rather than on its edge.
    /// </summary>
    public static SamPoint Centre(byte[] mask, int width, int height)
    {
        // Outside pixels that touch the mask, and the virtual ring just past the image's border.
        var outside = new List<(int X, int Y)>();
        for (var y = -1; y <= height; y++)
        for (var x = -1; x <= width; x++)
        {
            if (x >= 0 && x < width && y >= 0 && y < height && mask[y * width + x] != 0) continue;
            var touches = false;
            for (var dy = -1; dy <= 1 && !touches; dy++)
            for (var dx = -1; dx <= 1 && !touches; dx++)
            {
                int nx = x + dx, ny = y + dy;
                touches = nx >= 0 && nx < width && ny >= 0 && ny < height && mask[ny * width + nx] != 0;
            }
            if (touches) outside.Add((x, y));
        }
        if (outside.Count == 0) throw new ArgumentException("the mask is empty");
        int best = -1, bestDistance = -1;
        for (var k = 0; k < mask.Length; k++)
        {
            if (mask[k] == 0) continue;
            int px = k % width, py = k / width, nearest = int.MaxValue;
            foreach (var (x, y) in outside)
                nearest = Math.Min(nearest, (x - px) * (x - px) + (y - py) * (y - py));
            if (nearest > bestDistance) (best, bestDistance) = (k, nearest);
        }
        return new SamPoint(best % width, best / width, 1);
    }

    /// <summary>A pixel outside <paramref name="mask"/> within <paramref name="margin"/> pixels of its box (an occluder, a neighbour or the background), or null if there is none.</summary>
    public static SamPoint? Near(byte[] mask, int width, int height, int margin, SeededRandom rng)
    {
        var box = PixelBox.Of(mask, width, height);
        int x0 = Math.Max(0, box.X - margin), y0 = Math.Max(0, box.Y - margin);
        int x1 = Math.Min(width, box.X + box.Width + margin), y1 = Math.Min(height, box.Y + box.Height + margin);
        var candidates = new List<int>();
        for (var y = y0; y < y1; y++)
        for (var x = x0; x < x1; x++)
            if (mask[y * width + x] == 0) candidates.Add(y * width + x);
        if (candidates.Count == 0) return null;
        var k = candidates[rng.Next(candidates.Count)];
        return new SamPoint(k % width, k / width, 0);
    }

    /// <summary>A pixel that no object covers, or null when objects cover the image.</summary>
    public static SamPoint? Background(SyntheticScene scene, SeededRandom rng)
    {
        var free = new List<int>();
        for (var k = 0; k < scene.Width * scene.Height; k++)
            if (scene.Objects.All(o => o.Mask[k] == 0)) free.Add(k);
        if (free.Count == 0) return null;
        var pick = free[rng.Next(free.Count)];
        return new SamPoint(pick % scene.Width, pick / scene.Width, 1);
    }

    /// <summary>The tight box of the mask, each side moved by up to <paramref name="jitter"/> pixels and kept in the image.</summary>
    public static SamBox Box(byte[] mask, int width, int height, int jitter, SeededRandom rng)
    {
        var b = PixelBox.Of(mask, width, height);
        double Move() => jitter == 0 ? 0 : rng.Next(-jitter, jitter + 1);
        var x0 = Math.Clamp(b.X + Move(), 0, width - 1);
        var y0 = Math.Clamp(b.Y + Move(), 0, height - 1);
        var x1 = Math.Clamp(b.X + b.Width + Move(), x0 + 1, width);
        var y1 = Math.Clamp(b.Y + b.Height + Move(), y0 + 1, height);
        return new SamBox(x0, y0, x1, y1);
    }
}
